#include "core/flow/flow_table.h"

#include "core/util/error.h"

#include <cmath>
#include <limits>

namespace flower::flow {

namespace {
constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// log a − log b with the conventions of the header: −∞ when either flow is zero.
double logRatio(double child, double parent) {
    if (child <= 0.0 || parent <= 0.0) return kMinusInf;
    return std::log(child) - std::log(parent);
}
}  // namespace

FlowTable::FlowTable(const TitleTrie& trie, std::span<const double> titleRewards, double smoothing)
    : trie_(&trie) {
    if (titleRewards.size() != trie.titleCount()) {
        throw Error({"", 0, "rewards"}, "expected one reward per title (" +
                                            std::to_string(trie.titleCount()) + "), got " +
                                            std::to_string(titleRewards.size()));
    }
    if (!(smoothing >= 0.0) || !std::isfinite(smoothing)) {
        throw Error({"", 0, "smoothing"}, "expected a finite value ≥ 0, got " + std::to_string(smoothing));
    }
    rewards_.resize(titleRewards.size());
    for (std::size_t t = 0; t < titleRewards.size(); ++t) {
        const double r = titleRewards[t];
        if (!(r >= 0.0) || !std::isfinite(r)) {
            throw Error({"", 0, "rewards"}, "the reward of \"" + trie.title(static_cast<TitleIndex>(t)) +
                                                "\" must be finite and ≥ 0, got " + std::to_string(r));
        }
        rewards_[t] = r + smoothing;
    }
    const std::size_t n = trie.nodeCount();
    flow_.assign(n, 0.0);
    for (std::size_t t = 0; t < rewards_.size(); ++t) {
        flow_[trie.terminalOf(static_cast<TitleIndex>(t))] += rewards_[t];
    }
    // Preorder: every child has a larger id than its parent, so one backward pass sums subtrees.
    for (std::size_t v = n - 1; v >= 1; --v) flow_[trie.parent(static_cast<NodeId>(v))] += flow_[v];
    logReward_.assign(n, 0.0);
    for (std::size_t v = 1; v < n; ++v) {
        logReward_[v] = logRatio(flow_[v], flow_[trie.parent(static_cast<NodeId>(v))]);
    }
}

double FlowTable::logFlow(NodeId node) const {
    return flow_[node] > 0.0 ? std::log(flow_[node]) : kMinusInf;
}

double FlowTable::targetProbability(NodeId node) const {
    if (node == TitleTrie::kRoot) return 1.0;
    const double parent = flow_[trie_->parent(node)];
    return parent > 0.0 ? flow_[node] / parent : 0.0;
}

double FlowTable::titleLogProbability(TitleIndex title) const {
    return logRatio(rewards_[title], flow_[TitleTrie::kRoot]);
}

std::vector<double> FlowTable::pathLogRewards(std::span<const TokenId> tokens) const {
    std::vector<double> out(tokens.size(), kMinusInf);
    NodeId node = TitleTrie::kRoot;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        node = trie_->child(node, tokens[i]);
        if (node == TitleTrie::kNoNode) break;
        out[i] = logReward_[node];
    }
    return out;
}

std::vector<FlowTable::Child> FlowTable::children(NodeId node) const {
    const auto tokens = trie_->childTokens(node);
    const auto nodes = trie_->childNodes(node);
    std::vector<Child> out;
    out.reserve(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        out.push_back({tokens[i], nodes[i], flow_[nodes[i]], logReward_[nodes[i]],
                       targetProbability(nodes[i])});
    }
    return out;
}

}  // namespace flower::flow
