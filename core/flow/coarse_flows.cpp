#include "core/flow/coarse_flows.h"

#include "core/util/error.h"

#include <cmath>
#include <limits>

namespace flower::flow {

namespace {
double logRatio(double child, double parent) {
    if (child <= 0.0 || parent <= 0.0) return -std::numeric_limits<double>::infinity();
    return std::log(child) - std::log(parent);
}
}  // namespace

CoarseFlows::CoarseFlows(const FlowTable& flows, int granularity) : flows_(&flows), n_(granularity) {
    if (granularity < 1) {
        throw Error({"", 0, "granularity"}, "expected an integer ≥ 1, got " + std::to_string(granularity));
    }
}

double CoarseFlows::flow(State s) const {
    const TitleTrie& trie = flows_->trie();
    if (s.ended) return flows_->flow(trie.child(s.node, trie.terminationToken()));
    return flows_->flow(s.node);
}

std::vector<CoarseFlows::Step> CoarseFlows::steps(State s) const {
    const TitleTrie& trie = flows_->trie();
    const TokenId term = trie.terminationToken();
    const double from = flow(s);
    std::vector<Step> out;
    const auto terminal = [&](NodeId node) {
        const NodeId end = trie.child(node, term);
        out.push_back({{term}, {end, false}, true, flows_->flow(end), logRatio(flows_->flow(end), from)});
    };
    if (s.ended) {
        terminal(s.node);
        return out;
    }
    if (trie.isTerminal(s.node)) return out;
    // Walk the title tokens below s.node up to n deep (never through a termination edge).
    std::vector<TokenId> chunk;
    const auto walk = [&](auto&& self, NodeId node, int depth) -> void {
        const auto tokens = trie.childTokens(node);
        const auto nodes = trie.childNodes(node);
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (tokens[i] == term) continue;
            chunk.push_back(tokens[i]);
            const NodeId next = nodes[i];
            if (depth + 1 == n_) {
                out.push_back({chunk, {next, false}, false, flows_->flow(next),
                               logRatio(flows_->flow(next), from)});
            } else {
                if (const NodeId end = trie.child(next, term); end != TitleTrie::kNoNode) {
                    // A title ends inside the chunk: its own state.
                    out.push_back({chunk, {next, true}, false, flows_->flow(end),
                                   logRatio(flows_->flow(end), from)});
                }
                self(self, next, depth + 1);
            }
            chunk.pop_back();
        }
    };
    walk(walk, s.node, 0);
    if (trie.child(s.node, term) != TitleTrie::kNoNode) terminal(s.node);
    return out;
}

}  // namespace flower::flow
