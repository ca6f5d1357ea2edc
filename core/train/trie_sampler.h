// sampleTitles — trie-constrained ancestral sampling of titles from the policy, without
// gradients, with the KV cache: the prompts run once, then one token per step for the rows still
// generating, each drawn from softmax(logits / temperature) restricted to the children of the
// row's current trie node (decode::trieCandidates, shared with beam search; the softmax runs over the allowed tokens
// only, never a [B, V] mask). A row stops at the termination token ⊤; rows that stopped are
// dropped from the cache (KvCache::reorder), so late steps cost only the rows still running.
// Used by FlowerObjective (on-policy rollouts) and by the RQ1 evaluator.
//
// SamplingConstraint::Free draws from the whole softmax instead (the reference's training
// rollouts, utils.py generate_and_return_termination_logprob in mode 'train'): a row stops at ⊤
// or right after its first token outside the tree (then endNodes = kNoNode, titles = −1), since
// every later step would only collect the off-tree penalty. The draw moves [n, V] probabilities
// to the host each step.
//
// Full context: every step sees the prompt and the whole sampled prefix (what the paper
// describes). The reference's training script sets use_cache=False and so feeds the model only
// the last sampled token after the first step — a known discrepancy we do not copy.
//
// Randomness: only from `generator`, which must be a CPU generator (the drawn candidates are
// few, so the draw runs on the host whatever the model's device; the same seed gives the same
// titles on every device up to the logits' rounding).
// Failure: flower::Error for a non-positive or non-finite temperature, prompts that are not
// [B, P] with a matching mask, samplesPerPrompt < 1, a trie token outside the vocabulary.
#pragma once

#include "core/flow/title_trie.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace flower::model {
class Qwen2ForCausalLMImpl;
class KvCache;
}

namespace flower::train {

enum class SamplingConstraint {
    Trie,  // only the children of the row's node (the rollouts, the RQ1 evaluation)
    Free,  // the whole vocabulary; stop on leaving the tree
};

struct SampledTitles {
    // [N, L] int64 on the CPU (N = B · samplesPerPrompt, L = longest sample): the title tokens,
    // then ⊤, then ⊤ as padding. Row r belongs to prompt r / samplesPerPrompt.
    at::Tensor tokens;
    // [N] int64 on the CPU: generated tokens of the row, ⊤ included when it was reached.
    at::Tensor lengths;
    std::vector<flow::NodeId> endNodes;       // [N] node reached (a terminal node when complete)
    std::vector<flow::TitleIndex> titles;     // [N] trie title, −1 when stopped by maxTokens or
                                              // (Free) by leaving the tree
    std::int64_t samplesPerPrompt = 1;

    std::int64_t size() const { return static_cast<std::int64_t>(titles.size()); }
};

// flower::Error (field "temperature") unless 0 < temperature < ∞: the check of every sampling
// temperature (the sampler's, Flower's rollouts, titleDistribution).
void checkSamplingTemperature(double temperature);

// promptIds/promptMask: [B, P] int64, left-padded, on the model's device. maxTokens: most tokens
// generated per row, ⊤ included; ≤ 0 = until every row reached ⊤ (always finite: every path in
// the trie ends in ⊤). samplesPerPrompt: independent samples per prompt, sharing one prompt
// forward (its cache rows are repeated).
SampledTitles sampleTitles(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                           const at::Tensor& promptIds, const at::Tensor& promptMask,
                           double temperature, at::Generator& generator, int maxTokens = 0,
                           int samplesPerPrompt = 1,
                           SamplingConstraint constraint = SamplingConstraint::Trie);

// The same from prompts that already ran: `promptCache` holds exactly the B prompts (it is copied,
// not modified — a cache built with gradients keeps its graph for a later teacher-forced pass),
// `lastLogits` [B, V] are the logits at each prompt's last position.
SampledTitles sampleTitlesFrom(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                               const model::KvCache& promptCache, const at::Tensor& lastLogits,
                               double temperature, at::Generator& generator, int maxTokens = 0,
                               int samplesPerPrompt = 1,
                               SamplingConstraint constraint = SamplingConstraint::Trie);

}  // namespace flower::train
