// CoarseFlows: Flower's flows at granularity n (paper §4.5.2, the reference's `logp_n`): a
// state every n title tokens instead of every token. A title's tokens are cut into chunks of n
// (the last chunk may be shorter), then the termination token is one more step. States are the
// chunk prefixes; the flow of a state is the sum of rewards of the titles whose chunking starts
// with it. For n = 1 this is exactly the token tree of FlowTable.
//
// A coarse state is a token-trie node plus a flag: `ended` states are where a title ends in the
// middle of a chunk (only titles of exactly that length pass there); their only step is the
// termination, with log reward 0. All flows come from the FlowTable, so nothing is copied.
//
// Ownership: refers to the FlowTable (and its trie), which must outlive it. Thread-safe.
// Failure: granularity < 1 is a flower::Error.
#pragma once

#include "core/flow/flow_table.h"

#include <vector>

namespace flower::flow {

class CoarseFlows {
public:
    struct State {
        NodeId node = TitleTrie::kRoot;
        bool ended = false;  // the title ends here (mid-chunk); only termination follows
        bool operator==(const State&) const = default;
    };
    struct Step {
        std::vector<TokenId> tokens;  // the chunk, or {termination} for the final step
        State to;                     // for the termination step: the terminal node
        bool terminates = false;
        double flow = 0.0;            // F(to)
        double logReward = 0.0;       // log F(to) − log F(from); −∞ for zero flow
    };

    CoarseFlows(const FlowTable& flows, int granularity);

    int granularity() const { return n_; }
    State root() const { return {}; }
    double flow(State s) const;
    // The steps out of `s`: chunks in preorder of their end nodes, then (if any) termination.
    std::vector<Step> steps(State s) const;

private:
    const FlowTable* flows_;
    int n_;
};

}  // namespace flower::flow
