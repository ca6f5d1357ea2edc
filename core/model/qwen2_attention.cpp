#include "core/model/qwen2_attention.h"

#include "core/model/few_query_attention.h"
#include "core/model/fused_attention.h"
#include "core/model/kv_cache.h"
#include "core/model/linear.h"
#include "core/model/rotary_embedding.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>

namespace flower::model {

namespace {

// [B, H, T, Dh] → [B, T, H·Dh], the layout o_proj reads.
torch::Tensor headsSideBySide(const torch::Tensor& heads) {
    return heads.transpose(1, 2).reshape({heads.size(0), heads.size(2), heads.size(1) * heads.size(3)});
}

}  // namespace

torch::Tensor unpackTokens(const torch::Tensor& x, const AttentionContext& ctx) {
    if (!ctx.tokens.defined()) return x;
    return torch::zeros({ctx.batch * ctx.length, x.size(-1)}, x.options())
        .index_copy(0, ctx.tokens, x)
        .view({ctx.batch, ctx.length, x.size(-1)});
}

torch::Tensor packTokens(const torch::Tensor& x, const AttentionContext& ctx) {
    if (!ctx.tokens.defined()) return x;
    return x.reshape({ctx.batch * ctx.length, x.size(-1)}).index_select(0, ctx.tokens);
}

Qwen2AttentionImpl::Qwen2AttentionImpl(const Qwen2Config& c)
    : heads_(c.numAttentionHeads), kvHeads_(c.numKeyValueHeads), headDim_(c.headDim()) {
    using torch::nn::LinearOptions;
    q_proj = register_module("q_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, heads_ * headDim_).bias(true)));
    k_proj = register_module("k_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, kvHeads_ * headDim_).bias(true)));
    v_proj = register_module("v_proj", torch::nn::Linear(LinearOptions(c.hiddenSize, kvHeads_ * headDim_).bias(true)));
    o_proj = register_module("o_proj", torch::nn::Linear(LinearOptions(heads_ * headDim_, c.hiddenSize).bias(false)));
}

torch::Tensor Qwen2AttentionImpl::forward(const torch::Tensor& x, const AttentionContext& ctx,
                                          KvCache* cache, std::int64_t layer) {
    const auto qkv = project(x, {&q_proj, &k_proj, &v_proj}, ctx);
    return attend(qkv[0], qkv[1], qkv[2], ctx, ctx, cache, layer);
}

torch::Tensor Qwen2AttentionImpl::forwardColumns(const torch::Tensor& x, const AttentionContext& ctx,
                                                 KvCache* cache, std::int64_t layer, std::int64_t from,
                                                 std::int64_t count) {
    const auto kv = project(x, {&k_proj, &v_proj}, ctx);  // [B, T, Hkv·Dh] each
    const torch::Tensor q = applyLinear(unpackTokens(x, ctx).narrow(1, from, count), q_proj->weight, q_proj->bias);
    AttentionContext queries;  // the selected columns' angles and mask rows, not packed
    queries.cos = ctx.cos.narrow(2, from, count);
    queries.sin = ctx.sin.narrow(2, from, count);
    queries.allowed = ctx.allowed.narrow(2, from, count);
    if (ctx.bias.defined()) queries.bias = ctx.bias.narrow(3, from, count);
    return attend(q, kv[0], kv[1], queries, ctx, cache, layer);
}

std::vector<torch::Tensor> Qwen2AttentionImpl::project(const torch::Tensor& x,
                                                       std::initializer_list<const torch::nn::Linear*> layers,
                                                       const AttentionContext& ctx) {
    std::vector<torch::Tensor> out;
    if (x.numel() / x.size(-1) >= kFuseMinTokens) {
        // One GEMM for all: larger matmuls run much closer to the BLAS peak on a CPU.
        // split_with_sizes (not narrow) so that the backward is one cat, not zero-filled buffers.
        std::vector<torch::Tensor> weights, biases;
        std::vector<std::int64_t> sizes;
        for (const auto* layer : layers) {
            weights.push_back((*layer)->weight);
            biases.push_back((*layer)->bias);
            sizes.push_back((*layer)->weight.size(0));
        }
        return unpackTokens(torch::linear(x, torch::cat(weights), torch::cat(biases)), ctx).split_with_sizes(sizes, -1);
    }
    // Few tokens (decoding): concatenating the weights would cost more than it saves.
    for (const auto* layer : layers) out.push_back(unpackTokens(applyLinear(x, (*layer)->weight, (*layer)->bias), ctx));
    return out;
}

torch::Tensor Qwen2AttentionImpl::attend(torch::Tensor q, torch::Tensor k, torch::Tensor v,
                                         const AttentionContext& queries, const AttentionContext& ctx,
                                         KvCache* cache, std::int64_t layer) {
    const std::int64_t B = q.size(0), Tq = q.size(1), T = k.size(1);
    q = q.reshape({B, Tq, heads_, headDim_}).transpose(1, 2);   // [B, H, T', Dh]
    k = k.reshape({B, T, kvHeads_, headDim_}).transpose(1, 2);  // [B, Hkv, T, Dh]
    v = v.reshape({B, T, kvHeads_, headDim_}).transpose(1, 2);  // [B, Hkv, T, Dh]
    q = applyRotary(q, queries.cos, queries.sin);
    k = applyRotary(k, ctx.cos, ctx.sin);
    if (cache != nullptr) {
        std::tie(k, v) = cache->append(layer, k, v);  // [B, Hkv, S, Dh]
    }
    // Output rows as the residual stream holds them: packed only when the queries are (forward).
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim_));
    if (auto fast = fewQueryAttention(q, k, v, queries.bias, scale)) {
        return applyLinear(packTokens(headsSideBySide(*fast), queries), o_proj->weight);  // decoding on the CPU: few_query_attention.h
    }
    if (auto fused = fusedAttention(q, k, v, queries.allowed, scale)) {
        return applyLinear(packTokens(*fused, queries), o_proj->weight);  // the CPU otherwise: fused_attention.h
    }
#if TORCH_VERSION_MAJOR >= 2
    // Fused kernel (flash / memory-efficient on CUDA). K/V heads are repeated for it.
    const std::int64_t groups = heads_ / kvHeads_;
    const torch::Tensor kr = groups > 1 ? k.repeat_interleave(groups, 1) : k;  // [B, H, S, Dh]
    const torch::Tensor vr = groups > 1 ? v.repeat_interleave(groups, 1) : v;
    const torch::Tensor o = queries.causal ? at::scaled_dot_product_attention(q, kr, vr, {}, 0.0, /*is_causal=*/true)
                                   : at::scaled_dot_product_attention(q, kr, vr, queries.allowed);
#else
    const torch::Tensor o = compositeAttention(q, k, v, queries.bias, scale);  // [B, H, T', Dh]
#endif
    return applyLinear(packTokens(headsSideBySide(o), queries), o_proj->weight);  // [B, T', D]
}

}  // namespace flower::model
