#include "core/model/rotary_embedding.h"

#include <torch/torch.h>

namespace flower::model {

std::pair<at::Tensor, at::Tensor> rotaryCosSin(const at::Tensor& positions, std::int64_t headDim,
                                               double theta, c10::ScalarType dtype) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat).device(positions.device());
    // Same arithmetic as transformers: theta ** (arange(0, Dh, 2).float() / Dh) in fp32.
    const torch::Tensor exponent = torch::arange(0, headDim, 2, f32) / static_cast<double>(headDim);
    const torch::Tensor invFreq = 1.0 / torch::pow(theta, exponent);                // [Dh/2]
    const torch::Tensor freqs = positions.to(torch::kFloat).unsqueeze(-1) * invFreq;  // [B, T, Dh/2]
    const torch::Tensor emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);            // [B, 1, T, Dh]
    // The sign of rotate_half ([−x2, x1]) is folded into sin once here rather than per use.
    const torch::Tensor sign = torch::cat({-torch::ones({headDim / 2}, f32), torch::ones({headDim / 2}, f32)});
    return {emb.cos().to(dtype), (emb.sin() * sign).to(dtype)};
}

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& signedSin) {
    // rotate_half(x) = [−x2, x1] = roll(x, Dh/2) · sign, the sign being in signedSin. Unlike a
    // cat of two narrows, roll's backward allocates no zero-filled gradient buffers.
    return x * cos + x.roll(x.size(-1) / 2, -1) * signedSin;  // [B, H, T, Dh]
}

}  // namespace flower::model
