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
    const std::int64_t rows = x.numel() / x.size(-1);  // tokens projected: B·T, or N packed
    torch::Tensor q, k, v;
    if (rows >= kFuseMinTokens) {
        // One GEMM for q, k and v: larger matmuls run much closer to the BLAS peak on a CPU.
        // split_with_sizes (not narrow) so that the backward is one cat, not zero-filled buffers.
        const torch::Tensor w = torch::cat({q_proj->weight, k_proj->weight, v_proj->weight});  // [(H+2Hkv)·Dh, D]
        const torch::Tensor b = torch::cat({q_proj->bias, k_proj->bias, v_proj->bias});
        const auto parts = unpackTokens(torch::linear(x, w, b), ctx).split_with_sizes(
            {heads_ * headDim_, kvHeads_ * headDim_, kvHeads_ * headDim_}, -1);
        q = parts[0];
        k = parts[1];
        v = parts[2];
    } else {
        // Few tokens (decoding): concatenating the weights would cost more than it saves.
        q = unpackTokens(applyLinear(x, q_proj->weight, q_proj->bias), ctx);
        k = unpackTokens(applyLinear(x, k_proj->weight, k_proj->bias), ctx);
        v = unpackTokens(applyLinear(x, v_proj->weight, v_proj->bias), ctx);
    }
    return attend(q, k, v, ctx, ctx, cache, layer);
}

torch::Tensor Qwen2AttentionImpl::forwardColumns(const torch::Tensor& x, const AttentionContext& ctx,
                                                 KvCache* cache, std::int64_t layer, std::int64_t from,
                                                 std::int64_t count) {
    torch::Tensor k, v;  // [B, T, Hkv·Dh]
    if (x.numel() / x.size(-1) >= kFuseMinTokens) {
        const torch::Tensor w = torch::cat({k_proj->weight, v_proj->weight});  // [2·Hkv·Dh, D]
        const torch::Tensor b = torch::cat({k_proj->bias, v_proj->bias});
        const auto parts = unpackTokens(torch::linear(x, w, b), ctx).chunk(2, -1);
        k = parts[0];
        v = parts[1];
    } else {
        k = unpackTokens(applyLinear(x, k_proj->weight, k_proj->bias), ctx);
        v = unpackTokens(applyLinear(x, v_proj->weight, v_proj->bias), ctx);
    }
    const torch::Tensor q = applyLinear(unpackTokens(x, ctx).narrow(1, from, count), q_proj->weight, q_proj->bias);
    AttentionContext queries;  // the selected columns' angles and mask rows, not packed
    queries.cos = ctx.cos.narrow(2, from, count);
    queries.sin = ctx.sin.narrow(2, from, count);
    queries.allowed = ctx.allowed.narrow(2, from, count);
    if (ctx.bias.defined()) queries.bias = ctx.bias.narrow(3, from, count);
    return attend(q, k, v, queries, ctx, cache, layer);
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
    // Output rows as the residual stream holds them: packed when all queries are (forward).
    static const AttentionContext unpacked;
    const AttentionContext& out = &queries == &ctx ? ctx : unpacked;
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim_));
    if (auto fast = fewQueryAttention(q, k, v, queries.bias, scale)) {
        return applyLinear(packTokens(headsSideBySide(*fast), out), o_proj->weight);  // decoding on the CPU: few_query_attention.h
    }
    if (auto fused = fusedAttention(q, k, v, queries.allowed, scale)) {
        return applyLinear(packTokens(*fused, out), o_proj->weight);  // the CPU otherwise: fused_attention.h
    }
#if TORCH_VERSION_MAJOR >= 2
    // Fused kernel (flash / memory-efficient on CUDA). K/V heads are repeated for it.
    const std::int64_t groups = heads_ / kvHeads_;
    const torch::Tensor kr = groups > 1 ? k.repeat_interleave(groups, 1) : k;  // [B, H, S, Dh]
    const torch::Tensor vr = groups > 1 ? v.repeat_interleave(groups, 1) : v;
    const bool causal = queries.causal && &queries == &ctx;
    const torch::Tensor o = causal ? at::scaled_dot_product_attention(q, kr, vr, {}, 0.0, /*is_causal=*/true)
                                   : at::scaled_dot_product_attention(q, kr, vr, queries.allowed);
#else
    const torch::Tensor o = compositeAttention(q, k, v, queries.bias, scale);  // [B, H, T', Dh]
#endif
    return applyLinear(packTokens(headsSideBySide(o), out), o_proj->weight);  // [B, T', D]
}

}  // namespace flower::model
