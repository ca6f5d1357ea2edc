// The Qwen2 decoder stack without its head (transformers' Qwen2Model): embed_tokens, layers.N,
// norm. Registered under the checkpoint's names, so its parameters are "embed_tokens.weight",
// "layers.0.self_attn.q_proj.weight", ... ("model." is added by Qwen2ForCausalLM).
//
// Batches are left-padded: attention_mask [B, T] has 0 on padding. Position ids are
// cumsum(mask) − 1 with padded positions set to 1, as transformers' generate() does, so a
// padded row computes exactly what the same row computes alone. Padding keys are never read;
// a padding query reads only itself (its output is meaningless and must be ignored).
//
// A batch with at least kPackMinPaddingShare padding runs packed: the layers see only its real
// tokens (AttentionContext::tokens), and the output is zero at padding. Same values and
// gradients at the real tokens as the padded form, less work for left-padded prompts of uneven
// length and continuations of uneven length (Flower's [SFT targets; sampled titles]).
#pragma once

#include "core/model/qwen2_config.h"
#include "core/model/qwen2_decoder_layer.h"
#include "core/model/rms_norm.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

namespace flower::model {

class KvCache;

// Share of padding in a batch (T > 1) from which it runs packed. Packing costs an index copy
// of q/k/v and of the attention output per layer, which pays for itself well below this.
inline constexpr double kPackMinPaddingShare = 0.05;

// Columns [from, from + count) of a forward's input whose hidden states the caller needs;
// count < 0: all. Only these columns' outputs of the last layer are read by anyone, so it
// computes queries, attention, o_proj and the MLP for them alone (keys and values for every
// token, which the cache and its attention need). Training on a prompt + target reads the
// target's columns only: with the tiny preset's 4 layers this skips ~a fifth of the work.
struct OutputColumns {
    std::int64_t from = 0;
    std::int64_t count = -1;
};

class Qwen2ModelImpl : public torch::nn::Module {
public:
    explicit Qwen2ModelImpl(const Qwen2Config& config);
    // inputIds: [B, T] int64; attentionMask: [B, T] (0/1, any integer or bool type) or undefined
    // (all ones). With a cache, the tokens continue the cached ones. → final-normed [B, T, D],
    // or [B, count, D] for `outputs` (values at padding columns are then meaningless).
    torch::Tensor forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                          KvCache* cache = nullptr, OutputColumns outputs = {});

    // Gradient checkpointing (off by default; see layer_checkpoint.h): when on, a forward in
    // grad mode without a cache recomputes each layer in the backward instead of keeping its
    // intermediates. Same results; less activation memory, about one extra forward of time.
    // Ignored (plain forward) in no-grad mode and with a cache.
    void setGradientCheckpointing(bool on) { gradientCheckpointing_ = on; }
    bool gradientCheckpointing() const { return gradientCheckpointing_; }

    // Packed forwards of padding-heavy batches (on by default; off: always the [B, T] form,
    // for A/B measurements and tests).
    void setPacking(bool on) { packing_ = on; }
    bool packing() const { return packing_; }

    torch::nn::Embedding embed_tokens{nullptr};
    torch::nn::ModuleList layers{nullptr};
    RMSNorm norm{nullptr};

private:
    Qwen2Config config_;
    bool gradientCheckpointing_ = false;
    bool packing_ = true;
    std::vector<Qwen2DecoderLayer> blocks_;  // the same modules as `layers`, typed
};
TORCH_MODULE(Qwen2Model);

}  // namespace flower::model
