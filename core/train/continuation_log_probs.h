// continuationLogProbs — teacher-forced log-probabilities of several continuations of the same
// prompts in ONE forward with gradients: the prompts run once through the model into a KvCache,
// the cache rows are duplicated (KvCache::reorder, a differentiable index_select) and every
// continuation runs off it, so gradients of all continuations flow into the shared prompt
// positions. This is what SftObjective, IfairObjective and FlowerObjective (SFT target and
// sampled title side by side) are built on.
//
// Continuation row r continues prompt r mod B (R = k·B rows: the k blocks of B rows are, e.g.,
// the SFT targets then the sampled titles). Log-softmax at temperature 1 over the whole
// vocabulary (unconstrained), only at real continuation positions (hidden states are selected
// before the head, so padding costs no [., V] logits).
//
// Failure: flower::Error when shapes disagree, R is not a multiple of B, or a continuation token
// is outside the vocabulary. Continuation masks must be right-padded (1…1 0…0 per row).
#pragma once

#include "core/model/kv_cache.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace flower::model {
class Qwen2ForCausalLMImpl;
}

namespace flower::train {

struct ContinuationLogProbs {
    at::Tensor token;        // [R, L] log P(cont[r, t] | prompt, cont[r, <t]); 0 where mask is 0
    at::Tensor termination;  // [R, L] log P(⊤ at t | prompt, cont[r, <t]); 0 where mask is 0;
                             // undefined when no termination id was given
    std::int64_t tokens = 0; // token positions that went through the model (prompt + continuation)
};

// The prompts run once (with gradients when enabled): what continuations and sampling start from.
// A copy of `cache` may be handed to sampleTitlesFrom (copies share tensors; neither side
// modifies a tensor in place), so one prompt pass serves the rollout AND the teacher forcing.
struct PromptPass {
    model::KvCache cache{0};  // the prompts' keys/values (with their autograd graph)
    at::Tensor lastHidden;    // [B, D] hidden state at each prompt's last position
    std::int64_t tokens = 0;  // B · P
};
PromptPass runPrompt(model::Qwen2ForCausalLMImpl& model, const at::Tensor& promptIds,
                     const at::Tensor& promptMask);

// Continuations off a prompt pass (consumed: its cache grows).
// normalisers (optional): [R, L, C] int64, for each position the tokens its softmax is
// normalised over, −1 padded — Flower's tree-normalised P_F (children of the node + ⊤); a
// position whose first entry is −1 is normalised over the whole vocabulary. The continuation
// token should be one of the listed ones (else its "log-probability" is not one).
ContinuationLogProbs continuationLogProbs(model::Qwen2ForCausalLMImpl& model, PromptPass prompt,
                                          const at::Tensor& continuationIds,
                                          const at::Tensor& continuationMask,
                                          std::int64_t terminationId = -1,
                                          const at::Tensor& normalisers = {});

// The hidden states that predict each continuation position ([R, L, D]: the prompt's last for
// t = 0, the continuation's t − 1 after), continuation row r off prompt r mod B; no checks (the
// caller validated the shapes). What continuationLogProbs and titleDistribution build on.
at::Tensor predictingHiddenStates(model::Qwen2ForCausalLMImpl& model, PromptPass prompt,
                                  const at::Tensor& continuationIds, const at::Tensor& continuationMask);

// promptIds/promptMask: [B, P] int64, left-padded; continuationIds/continuationMask: [R, L] int64.
// terminationId < 0: `termination` is left undefined. runPrompt + the overload above.
ContinuationLogProbs continuationLogProbs(model::Qwen2ForCausalLMImpl& model,
                                          const at::Tensor& promptIds, const at::Tensor& promptMask,
                                          const at::Tensor& continuationIds,
                                          const at::Tensor& continuationMask,
                                          std::int64_t terminationId = -1);

}  // namespace flower::train
