// The SwiGLU feed-forward block of Qwen2: down_proj(silu(gate_proj(x)) · up_proj(x)), no biases.
#pragma once

#include "core/model/qwen2_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace flower::model {

class Qwen2MlpImpl : public torch::nn::Module {
public:
    explicit Qwen2MlpImpl(const Qwen2Config& config);
    // x: [B, T, D] → [B, T, D]
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(Qwen2Mlp);

}  // namespace flower::model
