#include "core/model/qwen2_decoder_layer.h"

#include <torch/torch.h>

namespace flower::model {

Qwen2DecoderLayerImpl::Qwen2DecoderLayerImpl(const Qwen2Config& c) {
    self_attn = register_module("self_attn", Qwen2Attention(c));
    mlp = register_module("mlp", Qwen2Mlp(c));
    input_layernorm = register_module("input_layernorm", RMSNorm(c.hiddenSize, c.rmsNormEps));
    post_attention_layernorm =
        register_module("post_attention_layernorm", RMSNorm(c.hiddenSize, c.rmsNormEps));
}

torch::Tensor Qwen2DecoderLayerImpl::forward(const torch::Tensor& x, const AttentionContext& ctx,
                                             KvCache* cache, std::int64_t layer) {
    const torch::Tensor h = x + self_attn(input_layernorm(x), ctx, cache, layer);  // [B, T, D]
    return h + mlp(post_attention_layernorm(h));                                 // [B, T, D]
}

torch::Tensor Qwen2DecoderLayerImpl::forwardColumns(const torch::Tensor& x, const AttentionContext& ctx,
                                                    KvCache* cache, std::int64_t layer, std::int64_t from,
                                                    std::int64_t count) {
    const torch::Tensor rows = unpackTokens(x, ctx).narrow(1, from, count);  // [B, count, D]
    const torch::Tensor h = rows + self_attn->forwardColumns(input_layernorm(x), ctx, cache, layer, from, count);
    return h + mlp(post_attention_layernorm(h));
}

}  // namespace flower::model
