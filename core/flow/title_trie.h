// TitleTrie: the prefix tree of all catalogue titles, each tokenized alone and followed by the
// termination token ("\n" = 198 for Qwen). A node is a token prefix; node 0 is the empty prefix
// (the root); a terminal node is reached by the termination token and is where a title ends.
// This is the environment of Flower's GFlowNet and the constraint of trie-constrained decoding.
//
// Layout (compact arrays, no strings per node): nodes are numbered in depth-first preorder, so
// the subtree of a node is the contiguous id range [node, subtreeEnd(node)); children of a node
// sit in CSR form (firstEdge[node] .. firstEdge[node+1]) with their token ids sorted ascending
// and their node ids alongside. Titles are indexed 0..titleCount()-1 in first-seen order; a title
// shared by several item ids (the same title under two ids) is one title with several item ids.
//
// Ownership: immutable after build, cheap to query, safe to share across threads.
// Failure (flower::Error): an empty title (naming the item id), a title whose tokens contain the
// termination token. Titles whose tokens are a prefix of another title's ("Cars" / "Cars 2") are
// fine: the termination token separates them.
#pragma once

#include "core/text/token_id.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flower::text {
class Tokenizer;
}

namespace flower::flow {

using text::TokenId;
using NodeId = std::int32_t;
using TitleIndex = std::int32_t;

// One catalogue entry.
struct TitleItem {
    std::int64_t itemId = 0;
    std::string title;
};

// Shape of the tree, for logs and the flow explorer.
struct DepthStats {
    std::int32_t maxTitleTokens = 0;      // longest title, termination excluded
    double meanTitleTokens = 0.0;         // mean over titles, termination excluded
    std::vector<std::int64_t> nodesAtDepth;  // [depth] -> number of nodes (root at depth 0)
    double meanBranching = 0.0;           // mean number of children over non-leaf nodes
    std::int32_t maxBranching = 0;        // most children of one node (the root, usually)
};

class TitleTrie {
public:
    static constexpr NodeId kRoot = 0;
    static constexpr NodeId kNoNode = -1;

    // Tokenizes every title alone (no special tokens) and appends `termination`.
    static TitleTrie build(const text::Tokenizer& tokenizer, std::span<const TitleItem> items,
                           TokenId termination);

    // From titles already tokenized (termination excluded); tokens[i] belongs to items[i].
    static TitleTrie fromTokens(std::span<const TitleItem> items,
                                std::span<const std::vector<TokenId>> tokens, TokenId termination);

    std::size_t nodeCount() const { return parent_.size(); }
    std::size_t titleCount() const { return titles_.size(); }
    TokenId terminationToken() const { return termination_; }

    // --- nodes
    // Token ids of the children of `node`, ascending (what constrained decoding allows next).
    std::span<const TokenId> childTokens(NodeId node) const;
    // Node ids of the children, parallel to childTokens(node).
    std::span<const NodeId> childNodes(NodeId node) const;
    // The child of `node` reached by `token`, or kNoNode.
    NodeId child(NodeId node, TokenId token) const;
    // The node of a token prefix (the root for an empty one), or kNoNode when no title starts so.
    NodeId find(std::span<const TokenId> prefix) const;
    NodeId parent(NodeId node) const { return parent_[node]; }          // kNoNode for the root
    TokenId incomingToken(NodeId node) const { return token_[node]; }   // -1 for the root
    std::int32_t depth(NodeId node) const { return depth_[node]; }
    // Token ids from the root to `node`.
    std::vector<TokenId> prefix(NodeId node) const;
    // The prefix decoded to text (the termination token included when `node` is terminal).
    std::string prefixText(NodeId node, const text::Tokenizer& tokenizer) const;
    bool isTerminal(NodeId node) const { return node != kRoot && token_[node] == termination_; }
    // One past the last node of the subtree of `node` (preorder).
    NodeId subtreeEnd(NodeId node) const { return subtreeEnd_[node]; }

    // --- titles
    // Titles whose terminal node lies below (or at) `node`, in token order.
    std::span<const TitleIndex> titlesBelow(NodeId node) const;
    NodeId terminalOf(TitleIndex title) const { return terminal_[title]; }
    const std::string& title(TitleIndex title) const { return titles_[title]; }
    std::span<const std::int64_t> itemIds(TitleIndex title) const { return itemIds_[title]; }
    // Tokens of the title, termination excluded.
    std::span<const TokenId> titleTokens(TitleIndex title) const { return titleTokens_[title]; }
    std::optional<TitleIndex> findTitle(std::string_view title) const;

    DepthStats depthStats() const;

private:
    TitleTrie() = default;

    TokenId termination_ = 0;
    // Per node (preorder).
    std::vector<NodeId> parent_;
    std::vector<TokenId> token_;
    std::vector<std::int32_t> depth_;
    std::vector<NodeId> subtreeEnd_;
    std::vector<std::int32_t> firstEdge_;  // [nodeCount + 1]
    std::vector<std::int32_t> titleBegin_, titleEnd_;  // ranges into titleOrder_
    // Per edge, grouped by parent.
    std::vector<TokenId> edgeToken_;
    std::vector<NodeId> edgeNode_;
    // Per title.
    std::vector<std::string> titles_;
    std::vector<std::vector<std::int64_t>> itemIds_;
    std::vector<std::vector<TokenId>> titleTokens_;
    std::vector<NodeId> terminal_;
    std::vector<TitleIndex> titleOrder_;  // titles sorted by terminal node
    std::unordered_map<std::string, TitleIndex> titleIndex_;
};

}  // namespace flower::flow
