// FlowExplorer: what the workbench's flow explorer shows of one experiment's prefix tree, as
// plain values (no Qt), so that the view, its tests and a benchmark read the same numbers.
// A state is a CoarseFlows state (granularity n; n = 1 is the token tree of FlowTable). For each
// state: its decoded prefix and token ids, F(state), the titles below it; for each child: the
// chunk's tokens and decoded text ("⊤" for the termination token), F(child), the target
// probability F(child)/F(state) and the log process reward. Children are listed by flow,
// largest first (ties in token order), because that is where a reader looks first; their row in
// that order is stable (the view's model uses it).
// Search: case-insensitive substring over titles (ASCII letters are folded; other bytes must
// match exactly), titles starting with the query first, then by reward, largest first.
//
// Ownership: shares the trie and flows (shared_ptr), so the explorer can be moved between
// threads (built on a worker, read on the GUI thread). Immutable; const methods are thread-safe.
// Failure: flower::Error for granularity < 1 or a decoder-less explorer asked for text.
#pragma once

#include "core/flow/coarse_flows.h"
#include "core/flow/flow_table.h"
#include "core/flow/title_trie.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flower::flow {

class FlowExplorer {
public:
    using State = CoarseFlows::State;
    // Token ids of the trie → text (a tokenizer's decode, through a vocabulary map when the trie
    // is in compact model ids).
    using Decoder = std::function<std::string(std::span<const TokenId>)>;
    static constexpr std::string_view kTerminationText = "⊤";

    struct Child {
        State state;
        std::vector<TokenId> tokens;  // the chunk (one token at n = 1), or {termination}
        std::string text;             // the chunk decoded after the parent's prefix; "⊤"
        bool terminates = false;
        double flow = 0.0;            // F(child)
        double probability = 0.0;     // F(child) / F(parent)
        double logReward = 0.0;       // log F(child) − log F(parent); −∞ for zero flow
        std::size_t titles = 0;       // titles below the child
    };
    struct Node {
        State state;
        std::vector<TokenId> tokens;  // from the root, termination included for a terminal node
        std::string text;             // the prefix decoded, " ⊤" appended for a terminal node
        double flow = 0.0;
        std::int32_t depth = 0;       // in tokens
        std::size_t titles = 0;       // titles below (1 at a terminal or ended state)
        bool terminal = false;        // a title ends here (no children)
    };
    // Everything the explorer's context line shows.
    struct Summary {
        std::string source;    // dataset / experiment, as the builder names it
        std::string variant;   // reward variant
        double smoothing = 0.0;
        int granularity = 1;
        std::size_t titles = 0;
        std::size_t nodes = 0;
        double totalFlow = 0.0;
    };

    FlowExplorer(std::shared_ptr<const TitleTrie> trie, std::shared_ptr<const FlowTable> flows,
                 int granularity, Decoder decoder, Summary summary);
    FlowExplorer(std::shared_ptr<const TitleTrie> trie, std::shared_ptr<const FlowTable> flows,
                 int granularity, Decoder decoder)
        : FlowExplorer(std::move(trie), std::move(flows), granularity, std::move(decoder), Summary()) {}

    const TitleTrie& trie() const { return *trie_; }
    const FlowTable& flows() const { return *flows_; }
    int granularity() const { return coarse_.granularity(); }
    // Summary with titles, nodes, granularity and total flow filled in.
    const Summary& summary() const { return summary_; }

    State root() const { return {}; }
    Node node(State s) const;
    double flow(State s) const { return coarse_.flow(s); }
    bool hasChildren(State s) const;
    std::vector<Child> children(State s) const;
    // The children's states only, in the same order as children() (no decoding: cheap).
    std::vector<State> childStates(State s) const;
    std::optional<State> parent(State s) const;  // nullopt for the root
    // The root first, `s` last.
    std::vector<State> path(State s) const;
    // The state where title `t` ends (its terminal node).
    State titleState(TitleIndex t) const { return {trie_->terminalOf(t), false}; }

    // Titles containing `query` (see the header comment); at most `limit`. Empty query: none.
    std::vector<TitleIndex> search(std::string_view query, std::size_t limit = 50) const;

    // The text of a chunk: "⊤" for the termination token, else the decoded tokens.
    std::string chunkText(std::span<const TokenId> tokens) const;

    // A state as one integer and back (the view's model stores it as an item's internal id).
    static std::uint64_t key(State s) {
        return (static_cast<std::uint64_t>(s.node) << 1) | (s.ended ? 1u : 0u);
    }
    static State fromKey(std::uint64_t k) {
        return {static_cast<NodeId>(k >> 1), (k & 1u) != 0};
    }

private:
    std::vector<CoarseFlows::Step> sortedSteps(State s) const;
    std::size_t titlesAt(State s) const;
    NodeId ancestorAtDepth(NodeId node, std::int32_t depth) const;
    std::string decode(std::span<const TokenId> tokens) const;

    std::shared_ptr<const TitleTrie> trie_;
    std::shared_ptr<const FlowTable> flows_;
    CoarseFlows coarse_;
    Decoder decoder_;
    Summary summary_;
    std::vector<std::string> folded_;  // per title, ASCII-lowercased
};

}  // namespace flower::flow
