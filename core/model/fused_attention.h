// fusedAttention — masked grouped-query attention on the CPU in fp32 (fp64 for the gradient
// checks), forward and backward: one task per (batch row, K/V head) computes its scores, softmax
// and output block by block in cache (attention_kernels.h), skipping key blocks the mask rules
// out for a whole block of queries — the upper half of causal attention, the left padding.
//
// Why: LibTorch 1.13's CPU attention is matmul → add mask → softmax → matmul, each a pass over
// B·H·T·S values, and its bmm calls BLAS once per matrix (a select each); forward and backward
// took ~60 ms of the tiny preset's ~370 ms training step (bench_model). The backward keeps the
// probabilities from the forward ([B, H, T, S] like the composite form's softmax output) and
// needs no second pass over the scores.
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>

namespace flower::model {

// q: [B, H, T, Dh], k/v: [B, Hkv, S, Dh] (query head h reads K/V head h / (H / Hkv)),
// allowed: [B, 1, T, S] bool (query t may read key s) → [B, T, H·Dh], the heads side by side as
// o_proj reads them. nullopt where it does not apply — fused kernels off, not the CPU, not
// fp32/fp64, Dh not a multiple of 16 (fp32) or 8 (fp64) — so the caller uses compositeAttention.
std::optional<at::Tensor> fusedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                         const at::Tensor& allowed, double scale);

// The additive form of a boolean mask, as compositeAttention and fewQueryAttention take it:
// allowed [B, 1, T, S] → [B, 1, 1, T, S], 0 where allowed and −inf elsewhere, in `options`' dtype.
at::Tensor attentionBias(const at::Tensor& allowed, const at::TensorOptions& options);

// The same function from LibTorch ops with bias: [B, 1, 1, T, S] additive (0 / −inf) → [B, H, T, Dh].
// The plain path where there is no fused one, and the reference for the fused one's tests. Queries
// are grouped by their K/V head ([B, Hkv, G·T, Dh]) so both matmuls stay large and K/V are not
// copied G times; the softmax runs in at least fp32, as transformers does.
at::Tensor compositeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                              double scale);

}  // namespace flower::model
