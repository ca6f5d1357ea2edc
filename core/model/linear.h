// applyLinear — torch::linear (y = x·Wᵀ + b) with a fast path for decoding: on the CPU in fp32, with
// no gradient to record and at most kFewRows rows, the product runs in kernels::linearFewRows,
// which streams each weight row once for all rows. OpenBLAS packs the whole weight matrix for
// every call and is ~10 GFLOP/s at 8 rows (a decoding step of the rollout); everything else
// (training, CUDA, bf16, many rows) is exactly torch::linear.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace flower::model {

inline constexpr std::int64_t kFewRows = 32;

// x: [..., K], weight: [N, K], bias: [N] or undefined → [..., N]
at::Tensor applyLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});

}  // namespace flower::model
