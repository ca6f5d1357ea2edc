// titleDistribution — the policy's EXACT distribution over the titles of a prefix tree for one
// prompt, by teacher forcing every title (+ ⊤) instead of sampling: noise-free where 6,400
// samples of 100 titles leave a JS floor of ≈ (K−1)/(8N) ≈ 0.002 and an unbounded KL(T‖R).
//
// Two distributions, because they differ and the difference is what Flower's RQ1 fit hinges on:
//   - constrained: what trie-constrained sampling at temperature T draws (trie_sampler.h): at
//     every node the softmax of logits/T restricted to the node's children (⊤ included where a
//     title ends), multiplied along the title. Sums to 1 over the titles.
//   - free: Π_t P_F(y_t) · P_F(⊤ | title) from the UNCONSTRAINED softmax at temperature 1 — the
//     quantity modified SubTB makes ∝ R(title) (FlowerObjective). Its sum over the titles is the
//     mass the model keeps inside the tree; normalise it to compare with a target.
// They agree when every node's unconstrained softmax leaves no mass outside its children; any
// mass outside (`outside`) reweights the constrained distribution without costing SubTB.
//
// Cost: one prompt pass, then all titles teacher-forced in chunks (logits [chunk, L, V] each).
// Runs without gradients. Failure: flower::Error for an empty prompt, a non-positive
// temperature, a trie token outside the model's vocabulary.
#pragma once

#include "core/text/token_id.h"

#include <ATen/core/Tensor.h>

#include <span>
#include <vector>

namespace flower::model {
class Qwen2ForCausalLMImpl;
}
namespace flower::flow {
class TitleTrie;
}

namespace flower::train {

struct TitleDistribution {
    std::vector<double> constrained;  // [titles] log P under trie-constrained sampling at T
    std::vector<double> free;         // [titles] log Π P_F(y_t) · P_F(⊤) (unconstrained, T = 1)
    std::vector<double> outside;      // [titles] mean over the title's nodes of the unconstrained
                                      // mass outside the node's children (T = 1)

    // exp(constrained): the probabilities trie-constrained sampling draws each title with.
    std::vector<double> constrainedProbabilities() const;
};

// prompt: the prompt in the model's ids; the trie in the same ids.
TitleDistribution titleDistribution(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                                    std::span<const text::TokenId> prompt, double temperature = 1.0);

}  // namespace flower::train
