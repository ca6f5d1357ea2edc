// Rotary position embeddings in the "rotate half" layout of Hugging Face's Llama/Qwen2 code:
// the head dimension is split into halves [x1, x2], and x ↦ x·cos + (−x2, x1)·sin, with
// frequencies θ^(−2i/Dh). Angles are computed in fp32 and cast to the activations' dtype.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>

namespace flower::model {

// positions: [B, T] integer → (cos, signedSin), each [B, 1, T, Dh] in `dtype` on positions'
// device. signedSin is sin with the first half negated: [−sin, sin] (the sign of rotate_half).
std::pair<at::Tensor, at::Tensor> rotaryCosSin(const at::Tensor& positions, std::int64_t headDim,
                                               double theta, c10::ScalarType dtype);

// x: [B, H, T, Dh], cos/signedSin: [B, 1, T, Dh] from rotaryCosSin → [B, H, T, Dh]
at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& signedSin);

}  // namespace flower::model
