#include "core/model/qwen2_mlp.h"

#include <torch/torch.h>

namespace flower::model {

Qwen2MlpImpl::Qwen2MlpImpl(const Qwen2Config& c) {
    using torch::nn::LinearOptions;
    gate_proj = register_module("gate_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, c.intermediateSize).bias(false)));
    up_proj = register_module("up_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, c.intermediateSize).bias(false)));
    down_proj = register_module("down_proj", torch::nn::Linear(LinearOptions(c.intermediateSize, c.hiddenSize).bias(false)));
}

torch::Tensor Qwen2MlpImpl::forward(const torch::Tensor& x) {
    return down_proj(torch::silu(gate_proj(x)) * up_proj(x));  // [B, T, F] → [B, T, D]
}

}  // namespace flower::model
