// Qwen2ForCausalLM — the policy model: the Qwen2 decoder ("model") and its language-model head
// ("lm_head", or the embedding matrix when tie_word_embeddings). named_parameters() yields the
// Hugging Face checkpoint names ("model.embed_tokens.weight", ..., "lm_head.weight" when
// untied), which is what qwen2_checkpoint.h loads and saves by. Device- and dtype-agnostic:
// move it with ->to(device, dtype); inputs follow the parameters' device.
#pragma once

#include "core/model/qwen2_config.h"
#include "core/model/qwen2_model.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace flower::model {

class KvCache;

class Qwen2ForCausalLMImpl : public torch::nn::Module {
public:
    // Parameters start as LibTorch's defaults; call initWeights(seed) or load a checkpoint.
    explicit Qwen2ForCausalLMImpl(const Qwen2Config& config);

    // inputIds: [B, T] int64, attentionMask: [B, T] or undefined → logits [B, T, V] in the
    // parameters' dtype. See Qwen2Model for padding and the cache.
    torch::Tensor forward(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                          KvCache* cache = nullptr);
    // The two halves of forward(), for losses that need logits at a few positions only.
    // outputs: the columns needed (Qwen2Model's OutputColumns) → [B, count, D].
    torch::Tensor hiddenStates(const torch::Tensor& inputIds, const torch::Tensor& attentionMask = {},
                               KvCache* cache = nullptr, OutputColumns outputs = {});  // [B, T, D]
    torch::Tensor logitsFrom(const torch::Tensor& hidden);         // [..., D] → [..., V]
    // Only the logits of some (row, token) pairs: hidden [M, D], rows/tokens [K] int64 → [K],
    // logitsFrom(hidden)[rows[k], tokens[k]] without the [M, V] product (the head's weight
    // rows of the tokens are gathered) — what trie-constrained decoding needs after the root.
    torch::Tensor logitsAt(const torch::Tensor& hidden, const torch::Tensor& rows,
                           const torch::Tensor& tokens);

    // Deterministic initialisation as transformers does it (normal(0, initializer_range) for
    // linear and embedding weights, zero biases, unit norms), drawn on the CPU in fp32 in
    // named_parameters() order from `seed`, so the weights are the same on every device.
    void initWeights(std::uint64_t seed);

    // Gradient checkpointing of the decoder layers (off by default; Qwen2Model and
    // layer_checkpoint.h): trades about one extra forward for keeping one [B, T, D] tensor per
    // layer instead of all its intermediates. Not a Hugging Face config field; not saved.
    void setGradientCheckpointing(bool on) { model->setGradientCheckpointing(on); }
    bool gradientCheckpointing() const { return model->gradientCheckpointing(); }

    const Qwen2Config& config() const { return config_; }
    // Where the parameters live (inputs must be moved there); without building the parameter
    // list that parameters() allocates on every call.
    c10::Device device() const { return model->embed_tokens->weight.device(); }
    // Parameters counted once (a tied head is not counted twice).
    std::int64_t parameterCount() const;

    Qwen2Model model{nullptr};
    torch::nn::Linear lm_head{nullptr};  // null when tied

private:
    Qwen2Config config_;
};
TORCH_MODULE(Qwen2ForCausalLM);

}  // namespace flower::model
