// Grouped-query self-attention of Qwen2: q/k/v projections with bias, o_proj without, rotary
// embeddings on q and k, H query heads sharing Hkv key/value heads (query head h reads K/V head
// h / (H / Hkv), like transformers' repeat_kv). On the CPU in fp32 it runs our fused attention
// (fused_attention.h; few_query_attention.h for decoding steps); elsewhere LibTorch's fused
// scaled_dot_product_attention when built against LibTorch ≥ 2.0, and the plain
// matmul-softmax-matmul path otherwise (Debian's 1.13). All take the same boolean mask, so they
// compute the same function.
#pragma once

#include "core/model/qwen2_config.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <initializer_list>
#include <vector>

namespace flower::model {

class KvCache;

// Forwards over at least this many tokens (B·T) run the q/k/v (and gate/up) projections as one
// GEMM over concatenated weights; smaller ones (decoding steps) use the separate projections.
inline constexpr std::int64_t kFuseMinTokens = 64;

// What every layer of one forward shares: rotary angles and the attention mask.
struct AttentionContext {
    torch::Tensor cos;      // [B, 1, T, Dh] rotary cos for the new tokens
    torch::Tensor sin;      // [B, 1, T, Dh] rotary sin, sign of rotate_half folded in
    torch::Tensor allowed;  // [B, 1, T, S] bool: query t may read key s (S = cached + new)
    torch::Tensor bias;     // [B, 1, 1, T, S] 0 / −inf, same information, for the plain path
    // No padding and no cache (S = T): `allowed` is the plain causal mask, which the fused
    // kernel applies itself. LibTorch ≥ 2 only: an explicit mask rules out flash attention.
    bool causal = false;
    // Packed forward (Qwen2Model, padding-heavy batches): the residual stream holds only the
    // real tokens, [N, D]; `tokens` [N] are their flat positions b·T + t in the [B, T] batch.
    // Attention alone needs the [B, T] layout: it places q/k/v there (zeros at padding, which
    // no real query reads) and takes its output back at `tokens`. Undefined: [B, T, D] stream.
    torch::Tensor tokens;
    std::int64_t batch = 0, length = 0;  // B and T of the packed batch
};

// Packed rows [N, C] → [B, T, C] with zeros at padding (context.tokens); unchanged when the
// context is not packed. index_copy's backward is an index_select: gradients reach only the
// real tokens.
torch::Tensor unpackTokens(const torch::Tensor& x, const AttentionContext& context);
// [B, T, C] → the packed rows [N, C] (the inverse on real tokens); unchanged when not packed.
torch::Tensor packTokens(const torch::Tensor& x, const AttentionContext& context);

class Qwen2AttentionImpl : public torch::nn::Module {
public:
    explicit Qwen2AttentionImpl(const Qwen2Config& config);
    // x: [B, T, D] → [B, T, D] ([N, D] → [N, D] when context.tokens packs it). With a cache,
    // keys/values of the new tokens are appended to layer `layer` of it and attention reads all
    // of them.
    torch::Tensor forward(const torch::Tensor& x, const AttentionContext& context,
                          KvCache* cache = nullptr, std::int64_t layer = 0);
    // The same for the queries of columns [from, from + count) only → [B, count, D]: keys and
    // values of every token (they go to the cache and are read), queries, attention and o_proj
    // of those columns alone. Values at padding columns are meaningless.
    torch::Tensor forwardColumns(const torch::Tensor& x, const AttentionContext& context, KvCache* cache,
                                 std::int64_t layer, std::int64_t from, std::int64_t count);

    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

private:
    // The projections `layers` of x, as [B, T, ·] each (unpacked): one GEMM over their
    // concatenated weights for many tokens, separate ones for few.
    std::vector<torch::Tensor> project(const torch::Tensor& x, std::initializer_list<const torch::nn::Linear*> layers,
                                       const AttentionContext& context);
    // Rotary embedding, cache append, attention and o_proj of projected q [B, T', H·Dh] and
    // k/v [B, T, Hkv·Dh]; `queries` holds the T' queries' angles and mask rows (and packs the
    // output when it packs them), `context` the keys'.
    torch::Tensor attend(torch::Tensor q, torch::Tensor k, torch::Tensor v, const AttentionContext& queries,
                         const AttentionContext& context, KvCache* cache, std::int64_t layer);

    std::int64_t heads_, kvHeads_, headDim_;
};
TORCH_MODULE(Qwen2Attention);

}  // namespace flower::model
