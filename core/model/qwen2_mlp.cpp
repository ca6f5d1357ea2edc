#include "core/model/qwen2_mlp.h"

#include "core/model/qwen2_attention.h"

#include "core/model/linear.h"
#include "core/model/swiglu.h"

#include <torch/torch.h>

namespace flower::model {

Qwen2MlpImpl::Qwen2MlpImpl(const Qwen2Config& c) {
    using torch::nn::LinearOptions;
    gate_proj = register_module("gate_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, c.intermediateSize).bias(false)));
    up_proj = register_module("up_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, c.intermediateSize).bias(false)));
    down_proj = register_module("down_proj", torch::nn::Linear(LinearOptions(c.intermediateSize, c.hiddenSize).bias(false)));
}

torch::Tensor Qwen2MlpImpl::forward(const torch::Tensor& x) {
    if (x.numel() / x.size(-1) >= kFuseMinTokens) {
        // gate and up as one GEMM (see kFuseMinTokens).
        const torch::Tensor w = torch::cat({gate_proj->weight, up_proj->weight});  // [2F, D]
        return applyLinear(swiglu(torch::linear(x, w)), down_proj->weight);  // [B, T, 2F] → [B, T, F] → [B, T, D]
    }
    const torch::Tensor gate = applyLinear(x, gate_proj->weight), up = applyLinear(x, up_proj->weight);  // [B, T, F]
    return applyLinear(torch::silu(gate) * up, down_proj->weight);                                   // [B, T, D]
}

}  // namespace flower::model
