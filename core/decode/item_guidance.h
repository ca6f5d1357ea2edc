// ItemGuidance: D3's collaborative guidance (Bao et al., "Decoding Matters", the reference's
// CFEnhancedLogitsProcessor in with_history/code/LogitProcesser.py): for one prompt, a preference
// model's (SASRec's) distribution over catalogue items — softmax of the row's raw scores — and,
// for each allowed child of a trie node, the mass of the items whose titles lie below it:
//   c(child) = (Σ_{items below child} p(item) + 1e-20) / Σ_{allowed children} (same),
// the reference's "sum" variant with its 1e-20 guard. The step score of D3 with guidance scale γ
// is γ·log p_LLM + (1 − γ)·log c (beam_search.h).
// Masses below a node are O(1): titles below a node are one contiguous run of the trie's title
// order (TitleTrie::titlesBelow), so prefix sums over that order answer every node.
// Immutable after construction; thread-safe. Failure: flower::Error when an item id of the trie
// is outside the score row (the scores file does not match the catalogue).
#pragma once

#include "core/flow/title_trie.h"

#include <span>
#include <vector>

namespace flower::decode {

class ItemGuidance {
public:
    // scores: the row's raw item scores [items] (index = catalogue item id).
    ItemGuidance(const flow::TitleTrie& trie, std::span<const float> scores);

    // Σ p(item) over the items whose title's terminal node lies in the subtree of `node`.
    double massBelow(flow::NodeId node) const;
    // log c for each of `children` (the allowed children of one node), normalised over them.
    std::vector<double> logGuidance(std::span<const flow::NodeId> children) const;

private:
    const flow::TitleTrie* trie_;
    const flow::TitleIndex* order_ = nullptr;  // start of the trie's title order (root's titlesBelow)
    std::vector<double> prefix_;               // [titles + 1] prefix sums of title mass in that order
};

}  // namespace flower::decode
