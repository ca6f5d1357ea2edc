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
    return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const std::int64_t half = x.size(-1) / 2;
    const torch::Tensor x1 = x.narrow(-1, 0, half);     // [B, H, T, Dh/2]
    const torch::Tensor x2 = x.narrow(-1, half, half);  // [B, H, T, Dh/2]
    const torch::Tensor rotated = torch::cat({-x2, x1}, -1);  // [B, H, T, Dh]
    return x * cos + rotated * sin;
}

}  // namespace flower::model
