#include "core/flow/flow_explorer.h"

#include "core/util/error.h"

#include <algorithm>
#include <cctype>

namespace flower::flow {

namespace {

std::string foldAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

FlowExplorer::FlowExplorer(std::shared_ptr<const TitleTrie> trie,
                           std::shared_ptr<const FlowTable> flows, int granularity, Decoder decoder,
                           Summary summary)
    : trie_(std::move(trie)),
      flows_(std::move(flows)),
      coarse_(*flows_, granularity),
      decoder_(std::move(decoder)),
      summary_(std::move(summary)) {
    if (!trie_ || !flows_ || &flows_->trie() != trie_.get()) {
        throw Error("FlowExplorer: the flows must be those of the given trie");
    }
    summary_.granularity = granularity;
    summary_.titles = trie_->titleCount();
    summary_.nodes = trie_->nodeCount();
    summary_.totalFlow = flows_->flow(TitleTrie::kRoot);
    folded_.reserve(trie_->titleCount());
    for (std::size_t t = 0; t < trie_->titleCount(); ++t) {
        folded_.push_back(foldAscii(trie_->title(static_cast<TitleIndex>(t))));
    }
}

std::string FlowExplorer::decode(std::span<const TokenId> tokens) const {
    if (!decoder_) throw Error("FlowExplorer: no decoder to show token text");
    return decoder_(tokens);
}

std::string FlowExplorer::chunkText(std::span<const TokenId> tokens) const {
    if (tokens.size() == 1 && tokens[0] == trie_->terminationToken()) {
        return std::string(kTerminationText);
    }
    return decode(tokens);
}

FlowExplorer::Node FlowExplorer::node(State s) const {
    Node n;
    n.state = s;
    n.tokens = trie_->prefix(s.node);
    n.flow = coarse_.flow(s);
    n.depth = trie_->depth(s.node);
    n.terminal = trie_->isTerminal(s.node);
    if (n.terminal) {
        const std::span<const TokenId> title(n.tokens.data(), n.tokens.size() - 1);
        n.text = decode(title) + " " + std::string(kTerminationText);
    } else {
        n.text = decode(n.tokens);
    }
    n.titles = titlesAt(s);
    return n;
}

std::size_t FlowExplorer::titlesAt(State s) const {
    if (s.ended) return trie_->titlesBelow(trie_->child(s.node, trie_->terminationToken())).size();
    return trie_->titlesBelow(s.node).size();
}

bool FlowExplorer::hasChildren(State s) const {
    return s.ended || !trie_->isTerminal(s.node);
}

std::vector<CoarseFlows::Step> FlowExplorer::sortedSteps(State s) const {
    std::vector<CoarseFlows::Step> steps = coarse_.steps(s);
    // Largest flow first; steps() lists them in preorder (token order at n = 1), which
    // stable_sort keeps for ties.
    std::stable_sort(steps.begin(), steps.end(),
                     [](const CoarseFlows::Step& a, const CoarseFlows::Step& b) { return a.flow > b.flow; });
    return steps;
}

std::vector<FlowExplorer::State> FlowExplorer::childStates(State s) const {
    std::vector<State> out;
    for (const auto& step : sortedSteps(s)) out.push_back(step.to);
    return out;
}

std::vector<FlowExplorer::Child> FlowExplorer::children(State s) const {
    const std::vector<CoarseFlows::Step> steps = sortedSteps(s);
    std::vector<Child> out;
    out.reserve(steps.size());
    const std::vector<TokenId> prefix = trie_->prefix(s.node);
    const std::string prefixText = steps.empty() ? std::string() : decode(prefix);
    const double from = coarse_.flow(s);
    std::vector<TokenId> joined = prefix;
    for (const auto& step : steps) {
        Child c;
        c.state = step.to;
        c.tokens = step.tokens;
        c.terminates = step.terminates;
        c.flow = step.flow;
        c.logReward = step.logReward;
        c.probability = from > 0.0 ? step.flow / from : 0.0;
        c.titles = titlesAt(step.to);
        if (step.terminates) {
            c.text = std::string(kTerminationText);
        } else {
            // Decoded after the prefix, so that a character split over several tokens shows
            // whole where the prefix completes it; a token alone when the prefix's text changes.
            joined.resize(prefix.size());
            joined.insert(joined.end(), step.tokens.begin(), step.tokens.end());
            const std::string whole = decode(joined);
            if (whole.size() >= prefixText.size() && whole.compare(0, prefixText.size(), prefixText) == 0) {
                c.text = whole.substr(prefixText.size());
            } else {
                c.text = decode(step.tokens);
            }
        }
        out.push_back(std::move(c));
    }
    return out;
}

NodeId FlowExplorer::ancestorAtDepth(NodeId node, std::int32_t depth) const {
    while (trie_->depth(node) > depth) node = trie_->parent(node);
    return node;
}

std::optional<FlowExplorer::State> FlowExplorer::parent(State s) const {
    if (s.node == TitleTrie::kRoot && !s.ended) return std::nullopt;
    const int n = granularity();
    if (s.ended) {
        // A title that ends mid-chunk: the chunk started at the last multiple of n above it.
        return State{ancestorAtDepth(s.node, (trie_->depth(s.node) / n) * n), false};
    }
    if (trie_->isTerminal(s.node)) {
        // The termination step leaves the title's last node: a chunk boundary, or the state of
        // a title that ended inside a chunk.
        const NodeId last = trie_->parent(s.node);
        const bool boundary = trie_->depth(last) % n == 0;
        return State{last, !boundary};
    }
    return State{ancestorAtDepth(s.node, trie_->depth(s.node) - n), false};
}

std::vector<FlowExplorer::State> FlowExplorer::path(State s) const {
    std::vector<State> out{s};
    for (auto p = parent(s); p; p = parent(*p)) out.push_back(*p);
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<TitleIndex> FlowExplorer::search(std::string_view query, std::size_t limit) const {
    std::vector<TitleIndex> starts, contains;
    if (query.empty() || limit == 0) return {};
    const std::string q = foldAscii(query);
    for (std::size_t t = 0; t < folded_.size(); ++t) {
        const auto at = folded_[t].find(q);
        if (at == std::string::npos) continue;
        (at == 0 ? starts : contains).push_back(static_cast<TitleIndex>(t));
    }
    const auto byReward = [this](TitleIndex a, TitleIndex b) {
        return flows_->reward(a) > flows_->reward(b);
    };
    std::stable_sort(starts.begin(), starts.end(), byReward);
    std::stable_sort(contains.begin(), contains.end(), byReward);
    starts.insert(starts.end(), contains.begin(), contains.end());
    if (starts.size() > limit) starts.resize(limit);
    return starts;
}

}  // namespace flower::flow
