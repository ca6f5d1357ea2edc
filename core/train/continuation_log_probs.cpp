#include "core/train/continuation_log_probs.h"

#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/token_log_probs.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <limits>
#include <sstream>

namespace flower::train {

namespace {
std::string shapeOf(const at::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

void checkPrompt(const at::Tensor& promptIds, const at::Tensor& promptMask) {
    if (promptIds.dim() != 2 || promptMask.sizes() != promptIds.sizes() || promptIds.size(1) < 1 ||
        promptIds.size(0) < 1) {
        throw Error({"", 0, "promptIds"}, "expected prompt ids and mask of one shape [B, P], B, P ≥ 1; got " +
                                              shapeOf(promptIds) + " and " + shapeOf(promptMask));
    }
}

void checkContinuation(const at::Tensor& continuationIds, const at::Tensor& continuationMask, std::int64_t B) {
    if (continuationIds.dim() != 2 || continuationMask.sizes() != continuationIds.sizes() ||
        continuationIds.size(1) < 1) {
        throw Error({"", 0, "continuationIds"},
                    "expected continuation ids and mask of one shape [R, L], L ≥ 1; got " +
                        shapeOf(continuationIds) + " and " + shapeOf(continuationMask));
    }
    const std::int64_t R = continuationIds.size(0);
    if (R % B != 0) {
        throw Error({"", 0, "continuationIds"}, "expected a multiple of the " + std::to_string(B) +
                                                    " prompts as continuation rows, got " +
                                                    std::to_string(R));
    }
}

// Whether two rows of the prompt batch are the same (ids and mask).
bool hasRepeatedPrompts(const at::Tensor& promptIds, const at::Tensor& promptMask) {
    const auto distinct = std::get<0>(at::unique_dim(at::cat({promptIds, promptMask}, 1), 0));
    return distinct.size(0) < promptIds.size(0);
}

// Every real continuation token and ⊤ inside the vocabulary: checked before any forward.
void checkTokens(const at::Tensor& continuationIds, const at::Tensor& continuationMask, std::int64_t terminationId,
                 std::int64_t V) {
    const at::Tensor targets = continuationIds.index({continuationMask.to(torch::kBool)});  // [N]
    if (targets.numel() > 0 && (targets.min().item<std::int64_t>() < 0 ||
                                targets.max().item<std::int64_t>() >= V)) {
        throw Error({"", 0, "continuationIds"},
                    "a continuation token is outside the model's vocabulary of " +
                        std::to_string(V) + " tokens");
    }
    if (terminationId >= V) {
        throw Error({"", 0, "terminationId"}, "termination token " + std::to_string(terminationId) +
                                                  " is outside the vocabulary of " +
                                                  std::to_string(V) + " tokens");
    }
}

// Log-probabilities of the continuation tokens (and ⊤) from the hidden states that predict them
// (tokens checked by checkTokens).
ContinuationLogProbs logProbsOf(model::Qwen2ForCausalLMImpl& model, const at::Tensor& hidden,
                                const at::Tensor& continuationIds, const at::Tensor& continuationMask,
                                std::int64_t terminationId, const at::Tensor& normalisers,
                                std::int64_t promptTokens) {
    const std::int64_t R = continuationIds.size(0), L = continuationIds.size(1);
    const std::int64_t V = model.config().vocabSize;
    const at::Tensor valid = continuationMask.to(torch::kBool);  // [R, L]
    const at::Tensor targets = continuationIds.index({valid});   // [N]
    const at::Tensor logits = model.logitsFrom(hidden.index({valid}));  // [N, V]
    const at::Tensor zeros = torch::zeros({R, L}, logits.options());
    ContinuationLogProbs out;
    out.tokens = promptTokens + targets.numel();
    if (!normalisers.defined()) {
        // One fused log-softmax + gather of the target (and ⊤) columns: no [N, V] log-softmax.
        const at::Tensor columns = terminationId >= 0
                                       ? torch::stack({targets, torch::full_like(targets, terminationId)}, 1)
                                       : targets.unsqueeze(1);  // [N, 1 or 2]
        const at::Tensor logProbs = model::tokenLogProbs(logits, columns);  // [N, 1 or 2]
        out.token = zeros.index_put({valid}, logProbs.select(1, 0));  // [R, L]
        if (terminationId >= 0) out.termination = zeros.index_put({valid}, logProbs.select(1, 1));  // [R, L]
        return out;
    }
    if (normalisers.dim() != 3 || normalisers.size(0) != R || normalisers.size(1) != L) {
        throw Error({"", 0, "normalisers"}, "expected [R, L, C] token lists for continuations " +
                                                shapeOf(continuationIds) + ", got " +
                                                shapeOf(normalisers));
    }
    at::Tensor logZ = torch::logsumexp(logits, -1);                   // [N]
    const at::Tensor lists = normalisers.to(logits.device()).index({valid});  // [N, C]
    if (lists.numel() > 0 && lists.max().item<std::int64_t>() >= V) {
        throw Error({"", 0, "normalisers"}, "a normaliser token is outside the vocabulary");
    }
    const at::Tensor present = lists >= 0;                                                // [N, C]
    const at::Tensor picked = logits.gather(1, lists.clamp_min(0))
                                  .masked_fill(present.logical_not(), -std::numeric_limits<double>::infinity());
    const at::Tensor restricted = torch::logsumexp(picked, -1);                          // [N]
    logZ = torch::where(present.narrow(1, 0, 1).squeeze(1), restricted, logZ);
    out.token = zeros.index_put({valid}, logits.gather(1, targets.unsqueeze(1)).squeeze(1) - logZ);  // [R, L]
    if (terminationId >= 0) {
        out.termination = zeros.index_put({valid}, logits.select(1, terminationId) - logZ);  // [R, L]
    }
    return out;
}

}  // namespace

PromptPass runPrompt(model::Qwen2ForCausalLMImpl& model, const at::Tensor& promptIdsIn,
                     const at::Tensor& promptMaskIn) {
    checkPrompt(promptIdsIn, promptMaskIn);
    // Callers (samplers, evaluators) collate on the CPU; the prompt runs where the model is.
    const c10::Device device = model.device();
    const at::Tensor promptIds = promptIdsIn.to(device), promptMask = promptMaskIn.to(device);
    PromptPass out;
    out.cache = model::KvCache(model.config().numHiddenLayers);
    // Identical prompts run once (RQ1: every row is the one history-free prompt, ~8× the
    // title's tokens): the distinct rows go through the model, then their cache rows are
    // repeated by KvCache::reorder — an index_select, whose backward sums the gradients of the
    // copies — so values and gradients equal those of running every row.
    const auto [distinct, inverse, counts] =
        at::unique_dim(at::cat({promptIds, promptMask}, 1), 0, /*sorted=*/true,
                       /*return_inverse=*/true, /*return_counts=*/false);  // [U, 2P], [B]
    const std::int64_t P = promptIds.size(1);
    if (distinct.size(0) < promptIds.size(0)) {
        const at::Tensor ids = distinct.narrow(1, 0, P).contiguous();    // [U, P]
        const at::Tensor mask = distinct.narrow(1, P, P).contiguous();   // [U, P]
        const at::Tensor hidden = model.hiddenStates(ids, mask, &out.cache, {P - 1, 1});  // [U, 1, D]
        out.cache.reorder(inverse);
        out.lastHidden = hidden.select(1, 0).index_select(0, inverse);  // [B, D]
        out.tokens = promptIds.numel();  // the data's tokens, so tokens/s compares across runs
        return out;
    }
    // Only the last position's output is read (the cache holds every layer's keys/values).
    const at::Tensor hidden = model.hiddenStates(promptIds, promptMask, &out.cache, {P - 1, 1});  // [B, 1, D]
    out.lastHidden = hidden.select(1, 0);  // [B, D], left padding: a real token
    out.tokens = promptIds.numel();
    return out;
}

ContinuationLogProbs continuationLogProbs(model::Qwen2ForCausalLMImpl& model,
                                          const at::Tensor& promptIds, const at::Tensor& promptMask,
                                          const at::Tensor& continuationIds,
                                          const at::Tensor& continuationMask,
                                          std::int64_t terminationId) {
    checkPrompt(promptIds, promptMask);
    const std::int64_t B = promptIds.size(0), P = promptIds.size(1);
    checkContinuation(continuationIds, continuationMask, B);
    if (continuationIds.size(0) != B || hasRepeatedPrompts(promptIds, promptMask)) {
        // Several continuations share a prompt, or identical prompts run once (runPrompt).
        return continuationLogProbs(model, runPrompt(model, promptIds, promptMask), continuationIds,
                                    continuationMask, terminationId);
    }
    // One continuation per distinct prompt: [prompt; continuation] as one sequence (left and
    // right padding are both masked keys; positions come from the mask either way), so every
    // GEMM covers all B·(P + L − 1) tokens at once and no cache is concatenated. Same hidden
    // states as the branched form (session 6, tiny preset, B 8, P 64, L 10: 216 vs 252 ms).
    checkTokens(continuationIds, continuationMask, terminationId, model.config().vocabSize);
    const c10::Device device = model.device();
    const std::int64_t L = continuationIds.size(1);
    const at::Tensor ids = torch::cat({promptIds, continuationIds.narrow(1, 0, L - 1)}, 1).to(device);
    const at::Tensor mask = torch::cat({promptMask, continuationMask.narrow(1, 0, L - 1)}, 1).to(device);
    const at::Tensor hidden = model.hiddenStates(ids, mask, nullptr, {P - 1, L});  // [B, L, D]
    return logProbsOf(model, hidden, continuationIds.to(device), continuationMask.to(device), terminationId, {},
                      promptIds.numel());
}

at::Tensor predictingHiddenStates(model::Qwen2ForCausalLMImpl& model, PromptPass prompt,
                                  const at::Tensor& continuationIds, const at::Tensor& continuationMask) {
    const std::int64_t B = prompt.lastHidden.size(0);
    const std::int64_t R = continuationIds.size(0), L = continuationIds.size(1);
    model::KvCache& cache = prompt.cache;
    at::Tensor last = prompt.lastHidden;  // [B, D]
    if (R > B) {
        const at::Tensor rows =
            torch::arange(B, torch::TensorOptions().dtype(torch::kLong).device(last.device()))
                .repeat({R / B});  // [R]
        cache.reorder(rows);
        last = last.index_select(0, rows);  // [R, D]
    }
    // Position t of the continuation is predicted by the hidden state before it: the prompt's
    // last for t = 0, the continuation's t − 1 otherwise. The last column is never an input.
    at::Tensor hidden = last.unsqueeze(1);  // [R, 1, D]
    if (L > 1) {
        const at::Tensor h = model.hiddenStates(continuationIds.narrow(1, 0, L - 1),
                                                continuationMask.narrow(1, 0, L - 1), &cache);  // [R, L-1, D]
        hidden = torch::cat({hidden, h}, 1);  // [R, L, D]
    }
    return hidden;
}

ContinuationLogProbs continuationLogProbs(model::Qwen2ForCausalLMImpl& model, PromptPass prompt,
                                          const at::Tensor& continuationIds,
                                          const at::Tensor& continuationMask,
                                          std::int64_t terminationId, const at::Tensor& normalisers) {
    checkContinuation(continuationIds, continuationMask, prompt.lastHidden.size(0));
    checkTokens(continuationIds, continuationMask, terminationId, model.config().vocabSize);
    const std::int64_t promptTokens = prompt.tokens;
    const at::Tensor hidden =
        predictingHiddenStates(model, std::move(prompt), continuationIds, continuationMask);  // [R, L, D]
    return logProbsOf(model, hidden, continuationIds, continuationMask, terminationId, normalisers, promptTokens);
}

}  // namespace flower::train
