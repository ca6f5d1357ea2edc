// fewQueryAttention — causal attention for decoding steps (a few new tokens against the KV
// cache) on the CPU in fp32 without autograd: one pass per query head (kernels::attendOneQuery)
// instead of LibTorch 1.13's batched matmuls, whose CPU path loops over the B·Hkv matrices with
// a select per matrix (~250 µs per call at 8 rows; half the rollout's attention time).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

namespace flower::model {

inline constexpr std::int64_t kFewQueries = 4;

// q: [B, H, T, Dh], k/v: [B, Hkv, S, Dh] (query head h reads K/V head h / (H / Hkv)),
// bias: [B, 1, 1, T, S] additive (0 / −inf) → [B, H, T, Dh]. nullopt when the fast path does not
// apply (not CPU fp32, T > kFewQueries, or a gradient to record): use the plain path then.
std::optional<at::Tensor> fewQueryAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                            const at::Tensor& bias, double scale);

}  // namespace flower::model
