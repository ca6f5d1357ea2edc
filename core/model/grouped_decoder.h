// GroupedDecoder — decoding steps for many groups of rows that share a prompt (beam search: a
// group is one prompt, its rows are the prompt's beams), on the CPU in fp32 or fp64 without
// gradients. Each group holds its prompt's keys/values once, and the generated tokens of all its
// rows as a tree (a token's keys/values are stored once and every row descending from it reads
// them), so beams never copy keys/values: forking, dropping and reordering beams only changes
// which tree node a row continues from, and a group gets a new prompt without touching the
// others (beam search refills finished prompts' groups while the others keep decoding).
//
// Why not KvCache + decodeStep: with one cache row per beam, a step reads every beam's copy of
// its prompt's keys (B copies of ~100 positions per layer: memory-bound at a few hundred rows),
// a beam changing prompts copies whole rows, and decodeStep's few-rows products do not reach
// GEMM speed past ~32 rows. Here a step is a handful of GEMMs over all rows ([n, D] against the
// concatenated q/k/v and gate/up weights, o_proj and down_proj accumulated into the residual
// stream), and attention runs one task per (group, K/V head): the group's queries (its rows ×
// the G query heads of that K/V head, ≤ B·G) against the prompt keys in one small matrix product
// (attention_kernels.h), plus each row's own chain of generated keys.
// Same arithmetic as the module path up to rounding (test_grouped_decoder compares them in fp64).
//
//   GroupedDecoder dec(model, groups, maxPromptTokens, tokensPerGroup, longestChain);
//   dec.setPrompt(g, cache, row);   // row `row` of a prompt pass's KvCache becomes group g's prompt
//   at::Tensor h = dec.step(rowGroups, tokens, parents, nodes);   // final-normed [n, D]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace flower::model {

class KvCache;
class Qwen2ForCausalLMImpl;

class GroupedDecoder {
public:
    // Whether the model can run here: CPU, fp32 or fp64 parameters, a head dimension that is a
    // multiple of 16 (the attention tile's panel width).
    static bool applies(const Qwen2ForCausalLMImpl& model);

    // groups: most groups at once; maxPromptTokens: the longest prompt (real tokens);
    // tokensPerGroup: room for generated tokens per group until its next setPrompt (doubled for
    // all groups when one needs more); longestChain: most generated tokens of one row.
    // Failure: c10::Error when !applies(model) or a size is not positive.
    GroupedDecoder(Qwen2ForCausalLMImpl& model, std::int64_t groups, std::int64_t maxPromptTokens,
                   std::int64_t tokensPerGroup, std::int64_t longestChain);
    ~GroupedDecoder();
    GroupedDecoder(const GroupedDecoder&) = delete;
    GroupedDecoder& operator=(const GroupedDecoder&) = delete;

    // Group g's prompt becomes the real positions (mask 1) of row `row` of `cache` (after a
    // prompt pass through the model), and its generated tokens are forgotten. Failure:
    // c10::Error for a group or row out of range or a prompt longer than maxPromptTokens.
    void setPrompt(std::int64_t group, const KvCache& cache, std::int64_t row);
    std::int64_t promptLength(std::int64_t group) const;

    // One decoding step of n rows, those of one group contiguous: row i feeds tokens[i] in group
    // groups[i], continuing from generated node parents[i] of that group (−1: right after the
    // prompt). nodes[i] receives the new token's node (the parent of that row's next step).
    // Returns the final-normed hidden states [n, D] (what the head reads).
    // Failure: c10::Error for a parent that does not exist, a group without a prompt, rows of a
    // group not contiguous or a chain longer than longestChain; no node is allocated then.
    at::Tensor step(std::span<const std::int64_t> groups, std::span<const std::int64_t> tokens,
                    std::span<const std::int32_t> parents, std::vector<std::int32_t>& nodes);
    // Real keys row i of the last step attended to (its prompt and its chain, the new token included).
    std::int64_t lastStepKeys() const { return lastKeys_; }

    // Wall seconds spent in step() so far: all of it, of which the layer GEMMs (projections)
    // and attention (with rotary and the key/value writes); the rest is embedding, norms,
    // SwiGLU and bookkeeping.
    struct Timing {
        double total = 0.0, gemm = 0.0, attention = 0.0;
    };
    const Timing& timing() const { return timing_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    Timing timing_;
    std::int64_t lastKeys_ = 0;
};

}  // namespace flower::model
