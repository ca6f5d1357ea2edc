#include "core/flow/title_trie.h"

#include "core/text/tokenizer.h"
#include "core/util/error.h"

#include <algorithm>
#include <numeric>

namespace flower::flow {

namespace {
// Unique titles in first-seen order with the item ids that carry each.
struct UniqueTitles {
    std::vector<std::string> titles;
    std::vector<std::vector<std::int64_t>> itemIds;
    std::vector<std::size_t> firstItem;  // index into the input of the first item per title
    std::unordered_map<std::string, TitleIndex> index;
};

UniqueTitles uniqueTitles(std::span<const TitleItem> items) {
    UniqueTitles u;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const TitleItem& item = items[i];
        if (item.title.empty()) {
            throw Error({"", 0, "title"}, "item " + std::to_string(item.itemId) +
                                              " has an empty title; every item needs a title "
                                              "to be generated");
        }
        const auto [it, added] = u.index.emplace(item.title, static_cast<TitleIndex>(u.titles.size()));
        if (added) {
            u.titles.push_back(item.title);
            u.itemIds.emplace_back();
            u.firstItem.push_back(i);
        }
        u.itemIds[it->second].push_back(item.itemId);
    }
    return u;
}
}  // namespace

TitleTrie TitleTrie::build(const text::Tokenizer& tokenizer, std::span<const TitleItem> items,
                           TokenId termination) {
    std::vector<std::vector<TokenId>> tokens;
    tokens.reserve(items.size());
    for (const TitleItem& item : items) tokens.push_back(tokenizer.encode(item.title));
    return fromTokens(items, tokens, termination);
}

TitleTrie TitleTrie::fromTokens(std::span<const TitleItem> items,
                                std::span<const std::vector<TokenId>> tokens, TokenId termination) {
    if (tokens.size() != items.size()) {
        throw Error("TitleTrie: " + std::to_string(items.size()) + " titles but " +
                    std::to_string(tokens.size()) + " token lists");
    }
    UniqueTitles u = uniqueTitles(items);
    TitleTrie t;
    t.termination_ = termination;
    const std::size_t n = u.titles.size();
    t.titles_ = std::move(u.titles);
    t.itemIds_ = std::move(u.itemIds);
    t.titleIndex_ = std::move(u.index);
    t.titleTokens_.resize(n);
    std::vector<std::vector<TokenId>> sequences(n);
    for (std::size_t k = 0; k < n; ++k) {
        const auto& toks = tokens[u.firstItem[k]];
        if (toks.empty()) {
            throw Error({"", 0, "title"}, "the title \"" + t.titles_[k] + "\" has no tokens");
        }
        if (std::find(toks.begin(), toks.end(), termination) != toks.end()) {
            throw Error({"", 0, "title"}, "the title \"" + t.titles_[k] +
                                              "\" contains the termination token " +
                                              std::to_string(termination));
        }
        t.titleTokens_[k] = toks;
        sequences[k] = toks;
        sequences[k].push_back(termination);
    }

    // Inserting the sequences in lexicographic order numbers the nodes in preorder and creates
    // the children of every node in ascending token order.
    std::vector<TitleIndex> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](TitleIndex a, TitleIndex b) {
        return std::lexicographical_compare(sequences[a].begin(), sequences[a].end(),
                                            sequences[b].begin(), sequences[b].end());
    });
    t.parent_.push_back(kNoNode);
    t.token_.push_back(-1);
    t.depth_.push_back(0);
    t.subtreeEnd_.push_back(0);
    t.terminal_.assign(n, kNoNode);
    std::vector<NodeId> path{kRoot};
    const std::vector<TokenId>* previous = nullptr;
    for (const TitleIndex k : order) {
        const auto& seq = sequences[k];
        std::size_t common = 0;
        if (previous != nullptr) {
            while (common < seq.size() && common < previous->size() && seq[common] == (*previous)[common]) {
                ++common;
            }
        }
        while (path.size() > common + 1) {
            t.subtreeEnd_[path.back()] = static_cast<NodeId>(t.parent_.size());
            path.pop_back();
        }
        for (std::size_t d = common; d < seq.size(); ++d) {
            const auto id = static_cast<NodeId>(t.parent_.size());
            t.parent_.push_back(path.back());
            t.token_.push_back(seq[d]);
            t.depth_.push_back(static_cast<std::int32_t>(d + 1));
            t.subtreeEnd_.push_back(0);
            path.push_back(id);
        }
        t.terminal_[k] = path.back();
        previous = &seq;
    }
    while (!path.empty()) {
        t.subtreeEnd_[path.back()] = static_cast<NodeId>(t.parent_.size());
        path.pop_back();
    }

    const std::size_t nodes = t.parent_.size();
    t.firstEdge_.assign(nodes + 1, 0);
    for (std::size_t v = 1; v < nodes; ++v) ++t.firstEdge_[t.parent_[v] + 1];
    std::partial_sum(t.firstEdge_.begin(), t.firstEdge_.end(), t.firstEdge_.begin());
    t.edgeToken_.resize(nodes - 1);
    t.edgeNode_.resize(nodes - 1);
    std::vector<std::int32_t> fill(t.firstEdge_.begin(), t.firstEdge_.end() - 1);
    for (std::size_t v = 1; v < nodes; ++v) {
        const std::int32_t e = fill[t.parent_[v]]++;
        t.edgeToken_[e] = t.token_[v];
        t.edgeNode_[e] = static_cast<NodeId>(v);
    }

    // Titles sorted by terminal (= `order`), and each node's contiguous range of them.
    t.titleOrder_ = order;
    t.titleBegin_.resize(nodes);
    t.titleEnd_.resize(nodes);
    const auto firstAtOrAfter = [&](NodeId v) {
        return static_cast<std::int32_t>(
            std::lower_bound(t.titleOrder_.begin(), t.titleOrder_.end(), v,
                             [&](TitleIndex title, NodeId node) { return t.terminal_[title] < node; }) -
            t.titleOrder_.begin());
    };
    for (std::size_t v = 0; v < nodes; ++v) {
        t.titleBegin_[v] = firstAtOrAfter(static_cast<NodeId>(v));
        t.titleEnd_[v] = firstAtOrAfter(t.subtreeEnd_[v]);
    }
    return t;
}

std::span<const TokenId> TitleTrie::childTokens(NodeId node) const {
    return {edgeToken_.data() + firstEdge_[node],
            static_cast<std::size_t>(firstEdge_[node + 1] - firstEdge_[node])};
}

std::span<const NodeId> TitleTrie::childNodes(NodeId node) const {
    return {edgeNode_.data() + firstEdge_[node],
            static_cast<std::size_t>(firstEdge_[node + 1] - firstEdge_[node])};
}

NodeId TitleTrie::child(NodeId node, TokenId token) const {
    const auto tokens = childTokens(node);
    const auto it = std::lower_bound(tokens.begin(), tokens.end(), token);
    if (it == tokens.end() || *it != token) return kNoNode;
    return childNodes(node)[it - tokens.begin()];
}

NodeId TitleTrie::find(std::span<const TokenId> prefix) const {
    NodeId node = kRoot;
    for (const TokenId token : prefix) {
        node = child(node, token);
        if (node == kNoNode) return kNoNode;
    }
    return node;
}

std::vector<TokenId> TitleTrie::prefix(NodeId node) const {
    std::vector<TokenId> tokens(static_cast<std::size_t>(depth_[node]));
    for (NodeId v = node; v != kRoot; v = parent_[v]) tokens[depth_[v] - 1] = token_[v];
    return tokens;
}

std::string TitleTrie::prefixText(NodeId node, const text::Tokenizer& tokenizer) const {
    return tokenizer.decode(prefix(node));
}

std::span<const TitleIndex> TitleTrie::titlesBelow(NodeId node) const {
    return {titleOrder_.data() + titleBegin_[node],
            static_cast<std::size_t>(titleEnd_[node] - titleBegin_[node])};
}

std::optional<TitleIndex> TitleTrie::findTitle(std::string_view title) const {
    const auto it = titleIndex_.find(std::string(title));
    if (it == titleIndex_.end()) return std::nullopt;
    return it->second;
}

DepthStats TitleTrie::depthStats() const {
    DepthStats s;
    for (const auto& toks : titleTokens_) {
        s.maxTitleTokens = std::max(s.maxTitleTokens, static_cast<std::int32_t>(toks.size()));
        s.meanTitleTokens += static_cast<double>(toks.size());
    }
    if (!titleTokens_.empty()) s.meanTitleTokens /= static_cast<double>(titleTokens_.size());
    std::int64_t internal = 0, edges = 0;
    for (std::size_t v = 0; v < nodeCount(); ++v) {
        const auto d = static_cast<std::size_t>(depth_[v]);
        if (s.nodesAtDepth.size() <= d) s.nodesAtDepth.resize(d + 1, 0);
        ++s.nodesAtDepth[d];
        const std::int32_t children = firstEdge_[v + 1] - firstEdge_[v];
        if (children > 0) {
            ++internal;
            edges += children;
            s.maxBranching = std::max(s.maxBranching, children);
        }
    }
    if (internal > 0) s.meanBranching = static_cast<double>(edges) / static_cast<double>(internal);
    return s;
}

}  // namespace flower::flow
