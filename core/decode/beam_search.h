// beamSearch — trie-constrained beam search over catalogue titles with the semantics of Hugging
// Face `generate(num_beams=B, num_return_sequences=B, length_penalty=α, early_stopping=False)`
// as the reference's evaluate.py calls it (with_history/code/evaluate.py, its logits processors
// in LogitProcesser.py), batched over many prompts:
//   step score of child token t of a beam's trie node (the only tokens allowed; ⊤ ends a title):
//     s(t) = log_softmax(logits / T)[t]              — over the WHOLE vocabulary, then the mask
//                                                       (no renormalisation over the children)
//     s(t) = γ·s(t) + (1 − γ)·log c(t)               — D3 with SASRec guidance (item_guidance.h)
//   a beam's running score is Σ s; each step the 2B best (beam, child) pairs of a prompt are
//   visited best first: ⊤ among the first B finishes a hypothesis (BeamHypotheses, score
//   Σ s / L^α, L = generated tokens with ⊤), any other token continues a beam until B beams run;
//   a prompt is done when BeamHypotheses::isDone (HF's early_stopping=False heuristic) or no beam
//   is left. Returned: the B best finished titles per prompt, best first, with their scores.
// Where we depart from HF, and why: core/decode/README.md (no −1e6-masked filler beams, so a
// prompt may return fewer than B titles when the trie has fewer reachable ones; ⊤ = "\n" ends a
// title without the reference's extra EOS token; no max_new_tokens cut into unfinished titles).
//
// Batching (core/decode/README.md, "Batching and cost"): on the CPU in fp32/fp64 the grouped
// path (model::GroupedDecoder): `promptsPerBatch` slots, each holding one prompt's keys/values
// once and its beams' generated tokens as a tree; a finished prompt's slot takes the next prompt
// (continuous batching), so steps stay GEMM-sized. Elsewhere (or groupedDecoding = false) the
// earlier path: batches of `promptsPerBatch` prompts, one KV cache row per beam
// (KvCache::reorder forks and drops beams). Both run the longest common prefix of all prompts
// (BIGRec's instruction) once; each prompt pass starts from copies of its keys/values and runs
// only the suffixes (middle padding: positions come from the mask, so values equal the unshared
// form up to rounding), and both rank with the same code, so they return the same titles.
// Costs per step: the full [n, V] head (the log-softmax needs every logit's log-sum-exp), then
// only the K allowed candidates are gathered and ranked on the host — no [n, V] mask.
//
// Thread-safety: runs the model; one call at a time per model. No gradients are recorded.
// Failure: flower::Error for beams < 1, a non-positive or non-finite temperature, γ outside
// [0, 1], guidance without item scores or scores of the wrong shape, an empty prompt, a trie
// token outside the model's vocabulary.
#pragma once

#include "core/decode/beam_hypotheses.h"
#include "core/flow/title_trie.h"
#include "core/text/token_id.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace flower::model {
class Qwen2ForCausalLMImpl;
}

namespace flower::decode {

struct BeamSearchOptions {
    int beams = 10;                  // B: beams per prompt and titles returned per prompt
    double lengthPenalty = 1.0;      // α (HF's default 1.0; D3 uses 0)
    double temperature = 1.0;        // T: log_softmax(logits / T) (Temp uses 1.5)
    double guidance = 1.0;           // γ of D3's SASRec guidance; 1 = none (the paper's D3 row)
    int maxTokens = 0;               // most generated tokens, ⊤ included; ≤ 0: no limit (the trie ends every path)
    // Prompts decoded together. Grouped path: slots, refilled as prompts finish (each holds its
    // prompt's keys/values: ~1 MB for the tiny preset); 256 gives steps of ~600–1,500 rows on
    // the Movies split (bench_decode). Earlier path: a batch decoded until all its prompts are done.
    int promptsPerBatch = 256;
    bool sharePromptPrefix = true;   // the prompts' common prefix runs once
    // The grouped path (model::GroupedDecoder) where the model allows it (CPU, fp32/fp64): a
    // prompt's beams share its keys/values, GEMM-sized steps, finished prompts' slots refilled.
    // false: one KvCache row per beam, batch after batch (the earlier path; A/B benchmarks).
    bool groupedDecoding = true;
    // Called after each batch with the number of prompts finished so far.
    std::function<void(std::int64_t)> progress;
};

// The reference's decodings by name: "beam" (α 1, T 1), "temp" (α 1, T 1.5), "d3" (α 0, γ 1).
// Failure: flower::Error naming the known ones.
BeamSearchOptions decodingOptions(std::string_view name);

// What the search computed (for FLOP counts and logs).
struct BeamSearchStats {
    std::int64_t prefixTokens = 0;   // tokens of the shared prefix (run once)
    std::int64_t promptTokens = 0;   // prompt tokens run through the model (real, excluding the shared prefix)
    std::int64_t decodeRows = 0;     // Σ over decoding steps of the rows fed one token
    std::int64_t headRows = 0;       // rows whose [V] logits were computed
    std::int64_t attentionKeys = 0;  // Σ over decoding rows of the real keys they attend to
    std::int64_t promptAttentionPairs = 0;  // Σ over real prompt queries of the real keys before them (causal)
    std::int64_t steps = 0;          // decoding steps (over all batches)
    double promptSeconds = 0.0;      // wall time of the prompt passes (shared prefix included)
    double decodeSeconds = 0.0;      // wall time of the decoding steps (head, ranking, model steps)
    // Parts of decodeSeconds: head GEMM + log-sum-exp, candidates + ranking on the host, the
    // layers' steps (of which their GEMMs, and attention) — the layer parts on the grouped path only.
    double headSeconds = 0.0, rankSeconds = 0.0, layerSeconds = 0.0, layerGemmSeconds = 0.0, attentionSeconds = 0.0;
};

struct BeamSearchResult {
    std::vector<std::vector<Hypothesis>> titles;  // [prompts] ≤ B finished titles, best first
    BeamSearchStats stats;
};

// prompts: token ids in the model's id space, one list per prompt (not empty).
// itemScores: for γ < 1, [prompts, items] float raw preference scores (row i for prompt i; the
// softmax over items is taken here), CPU; ignored when γ = 1.
BeamSearchResult beamSearch(model::Qwen2ForCausalLMImpl& model, const flow::TitleTrie& trie,
                            std::span<const std::vector<text::TokenId>> prompts,
                            const BeamSearchOptions& options, const at::Tensor& itemScores = {});

}  // namespace flower::decode
