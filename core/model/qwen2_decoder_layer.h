// One pre-norm Qwen2 block: x + attn(input_layernorm(x)), then + mlp(post_attention_layernorm(·)).
#pragma once

#include "core/model/qwen2_attention.h"
#include "core/model/qwen2_config.h"
#include "core/model/qwen2_mlp.h"
#include "core/model/rms_norm.h"

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace flower::model {

class Qwen2DecoderLayerImpl : public torch::nn::Module {
public:
    explicit Qwen2DecoderLayerImpl(const Qwen2Config& config);
    // x: [B, T, D] → [B, T, D]
    torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context,
                          KvCache* cache = nullptr, std::int64_t layer = 0);
    // The output of columns [from, from + count) only → [B, count, D] (the model's last layer
    // when the caller needs a few positions; Qwen2Model's OutputColumns).
    torch::Tensor forwardColumns(const torch::Tensor& x, const AttentionContext& context, KvCache* cache,
                                 std::int64_t layer, std::int64_t from, std::int64_t count);

    Qwen2Attention self_attn{nullptr};
    Qwen2Mlp mlp{nullptr};
    RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(Qwen2DecoderLayer);

}  // namespace flower::model
