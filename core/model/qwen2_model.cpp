#include "core/model/qwen2_model.h"

#include "core/model/decode_step.h"
#include "core/model/fused_attention.h"
#include "core/model/kv_cache.h"
#include "core/model/layer_checkpoint.h"
#include "core/model/rotary_embedding.h"

#include <torch/torch.h>
#include <torch/version.h>


namespace flower::model {

Qwen2ModelImpl::Qwen2ModelImpl(const Qwen2Config& c) : config_(c) {
    embed_tokens = register_module("embed_tokens", torch::nn::Embedding(c.vocabSize, c.hiddenSize));
    layers = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < c.numHiddenLayers; ++i) {
        blocks_.push_back(Qwen2DecoderLayer(c));
        layers->push_back(blocks_.back());
    }
    norm = register_module("norm", RMSNorm(c.hiddenSize, c.rmsNormEps));
}

torch::Tensor Qwen2ModelImpl::forward(const torch::Tensor& inputIds,
                                      const torch::Tensor& attentionMask, KvCache* cache,
                                      OutputColumns outputs) {
    TORCH_CHECK(inputIds.dim() == 2, "Qwen2Model: input ids must be [B, T], got ",
                inputIds.sizes());
    const std::int64_t B = inputIds.size(0), T = inputIds.size(1);
    TORCH_CHECK(outputs.count < 0 || (outputs.from >= 0 && outputs.from + outputs.count <= T),
                "Qwen2Model: output columns [", outputs.from, ", ", outputs.from + outputs.count,
                ") outside the ", T, " input columns");
    const bool allColumns = outputs.count < 0 || (outputs.from == 0 && outputs.count == T);
    const auto device = inputIds.device();
    const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(device);
    torch::Tensor mask = attentionMask.defined() ? attentionMask.to(torch::kLong)
                                                 : torch::ones({B, T}, longOpts);  // [B, T]
    TORCH_CHECK(mask.sizes() == inputIds.sizes(), "Qwen2Model: attention mask ", mask.sizes(),
                " does not match input ids ", inputIds.sizes());
    const torch::Tensor full = cache != nullptr ? cache->appendMask(mask) : mask;  // [B, S]
    const std::int64_t S = full.size(1), past = S - T;

    const torch::Tensor positions =
        (full.cumsum(1) - 1).masked_fill(full == 0, 1).narrow(1, past, T);  // [B, T]
    AttentionContext ctx;
    // Padding-heavy batches run packed (AttentionContext::tokens): every layer but attention
    // works per token, so its GEMMs skip the padding instead of computing and ignoring it.
    // One host sync per forward of several tokens: the real-token count decides packing and
    // whether the mask is plain causal.
    const std::int64_t real = T > 1 ? mask.count_nonzero().item<std::int64_t>() : B * T;
    if (packing_ && T > 1 &&
        static_cast<double>(real) <= (1.0 - kPackMinPaddingShare) * static_cast<double>(B * T)) {
        ctx.tokens = mask.reshape(-1).nonzero().squeeze(1);  // [N]
        ctx.batch = B;
        ctx.length = T;
    }
    torch::Tensor h = embed_tokens(ctx.tokens.defined() ? inputIds.reshape(-1).index_select(0, ctx.tokens)
                                                        : inputIds);  // [B, T, D] or [N, D]
    if (T == 1 && cache != nullptr && allColumns) {
        // A decoding step: one OpenMP region for all layers where it applies (decode_step.h).
        std::vector<const Qwen2DecoderLayerImpl*> layers;
        for (const auto& block : blocks_) layers.push_back(block.get());
        const torch::Tensor e = h.view({B, config_.hiddenSize});  // [B, D]
        if (decodeStepApplies(layers, e, mask, cache)) {
            const auto [cos, sin] = rotaryCosSin(positions, config_.headDim(), config_.ropeTheta, h.scalar_type());
            const torch::Tensor keyBias = attentionBias(full != 0, h.options()).view({B, S});  // 0 / −inf
            const torch::Tensor out = decodeStep(layers, config_, e, cos.view({B, -1}), sin.view({B, -1}), keyBias, *cache);
            return norm(out).unsqueeze(1);  // [B, 1, D]
        }
    }
    std::tie(ctx.cos, ctx.sin) =
        rotaryCosSin(positions, config_.headDim(), config_.ropeTheta, h.scalar_type());
    const torch::Tensor queryPos = torch::arange(past, S, longOpts).unsqueeze(1);  // [T, 1]
    const torch::Tensor keyPos = torch::arange(0, S, longOpts).unsqueeze(0);       // [1, S]
    // Causal and not padding; the diagonal always, so no softmax row is empty (padding queries).
    ctx.allowed = ((keyPos <= queryPos).unsqueeze(0) & (full != 0).unsqueeze(1)) |
                  (keyPos == queryPos).unsqueeze(0);                                   // [B, T, S]
    ctx.allowed = ctx.allowed.unsqueeze(1);                                           // [B, 1, T, S]
    ctx.bias = attentionBias(ctx.allowed, h.options());                               // [B, 1, 1, T, S]
#if TORCH_VERSION_MAJOR >= 2
    ctx.causal = cache == nullptr && T > 1 && real == B * T;
#endif
    // A cache would be filled again by the recomputation, and without grad mode there is no
    // backward to recompute for: both take the plain path.
    const bool checkpoint = gradientCheckpointing_ && cache == nullptr && torch::GradMode::is_enabled();
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        const auto layer = static_cast<std::int64_t>(i);
        if (!allColumns && i + 1 == blocks_.size()) {
            return norm(blocks_[i]->forwardColumns(h, ctx, cache, layer, outputs.from, outputs.count));  // [B, count, D]
        }
        h = checkpoint ? checkpointedLayerForward(blocks_[i], h, ctx) : blocks_[i]->forward(h, ctx, cache, layer);
    }
    return unpackTokens(norm(h), ctx);  // [B, T, D], zeros at padding when packed
}

}  // namespace flower::model
