// FlowTable: the state flows and token-level process rewards of Flower on a TitleTrie.
// Given each title's reward R ≥ 0 (default: how often the title occurs in training histories)
// plus an optional additive smoothing α (so that unseen titles stay reachable; α = 0 is the
// paper), the flow of a node is F(node) = Σ (R + α) over the titles below it, and the log process
// reward of the edge into `node` is log F(node) − log F(parent). Edges of zero flow are kept with
// −∞ (and an edge out of a zero-flow node is −∞ too), never dropped. exp(log process reward) is
// the target probability of a child, which the flow explorer shows next to the policy's.
//
// Ownership: holds a reference to the trie, which must outlive the table. Immutable after
// construction, safe to share across threads.
// Failure (flower::Error): a reward count that does not match the trie's titles, a negative or
// non-finite reward or smoothing.
#pragma once

#include "core/flow/title_trie.h"

#include <span>
#include <vector>

namespace flower::flow {

class FlowTable {
public:
    // `titleRewards[t]` is R of trie title t (before smoothing).
    FlowTable(const TitleTrie& trie, std::span<const double> titleRewards, double smoothing = 0.0);

    const TitleTrie& trie() const { return *trie_; }

    // R(title) + α.
    double reward(TitleIndex title) const { return rewards_[title]; }
    // F(node); F(root) is the sum of all rewards.
    double flow(NodeId node) const { return flow_[node]; }
    double logFlow(NodeId node) const;
    // log F(node) − log F(parent(node)); 0 for the root; −∞ for a zero-flow edge.
    double logProcessReward(NodeId node) const { return logReward_[node]; }
    // F(node) / F(parent(node)) = exp(logProcessReward(node)).
    double targetProbability(NodeId node) const;
    // log (R(title)+α) / F(root): the product of the process rewards along the title's path.
    double titleLogProbability(TitleIndex title) const;

    // The log process reward of each token of `tokens` read from the root (a sampled title
    // followed by the termination token, say): one value per token, −∞ from the first token that
    // leaves the tree on. Their sum is log (R(title)+α)/F(root) for a complete title.
    std::vector<double> pathLogRewards(std::span<const TokenId> tokens) const;

    // One child of a node with its target probability (for the flow explorer and losses).
    struct Child {
        TokenId token;
        NodeId node;
        double flow;
        double logReward;    // log process reward of the edge
        double probability;  // exp(logReward)
    };
    // The children of `node` in ascending token order.
    std::vector<Child> children(NodeId node) const;

private:
    const TitleTrie* trie_;
    std::vector<double> rewards_;    // per title
    std::vector<double> flow_;       // per node
    std::vector<double> logReward_;  // per node: the edge from its parent
};

}  // namespace flower::flow
