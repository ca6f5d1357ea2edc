// SasRec: the SASRec baseline exactly as the Flower authors train it
// (with_history/code/train_and_get_logits.py, class SASRec, and SasRecModules_ori.py):
//   e    = item_embeddings(s) + positional_embeddings(0..T−1)     (no √D scaling)
//   seq  = dropout(e) · m            m = [s ≠ items], the right padding zeroed
//   a    = mh_attn(ln_1(seq), seq)   one head, causal, padded keys masked, + ln_1(seq)
//   f    = feed_forward(ln_2(a)) · m ; h = ln_3(f)
//   out  = s_fc(h[len − 1])          a separate Linear(D → items) with bias
// (The reference also applies ln_2 before the feed-forward block, which has a LayerNorm of its
// own: four LayerNorms in all.) Parameters carry the reference's names, so a state dict maps
// one to one. Initialisation as PyTorch's defaults there: item embeddings N(0, 0.01), position
// embeddings N(0, 1), Linear/Conv1d U(±1/√fan_in) for weights and biases, LayerNorm (1, 0).
// Inputs: states [B, T] int64 (T = maxLength, right-padded with id `items`), lengths [B] ≥ 1.
// Dropout is drawn from the generator passed in (null = evaluation, no dropout).
#pragma once

#include "core/sasrec/sasrec_attention.h"
#include "core/sasrec/sasrec_config.h"
#include "core/sasrec/sasrec_feed_forward.h"

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace flower::sasrec {

class SasRecImpl : public torch::nn::Module {
public:
    explicit SasRecImpl(const SasRecConfig& config);

    const SasRecConfig& config() const { return config_; }
    // Draws every parameter as the reference's constructor does, from `seed`.
    void initWeights(std::uint64_t seed);

    // h = ln_3 output at every position: [B, T] → [B, T, D] (the reference's ff_out).
    torch::Tensor sequenceOutput(const torch::Tensor& states, at::Generator* generator = nullptr);
    // h at position lengths − 1 only (what is scored): [B, T], [B] → [B, D]. Computes the query
    // side of the block for that position alone; equals sequenceOutput gathered at len − 1.
    torch::Tensor state(const torch::Tensor& states, const torch::Tensor& lengths,
                        at::Generator* generator = nullptr);
    // Scores of every item: [B, D] → [B, items].
    torch::Tensor scoreAll(const torch::Tensor& state);
    // Scores of chosen items: state [B, D], items [B, K] → [B, K] (= scoreAll gathered).
    torch::Tensor scoreItems(const torch::Tensor& state, const torch::Tensor& items);

    torch::nn::Embedding item_embeddings{nullptr}, positional_embeddings{nullptr};
    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr}, ln_3{nullptr};
    SasRecAttention mh_attn{nullptr};
    SasRecFeedForward feed_forward{nullptr};
    torch::nn::Linear s_fc{nullptr};

private:
    // dropout(e) · m and m: [B, T] → [B, T, D], [B, T, 1].
    std::pair<torch::Tensor, torch::Tensor> embed(const torch::Tensor& states, at::Generator* generator);

    SasRecConfig config_;
};
TORCH_MODULE(SasRec);

}  // namespace flower::sasrec
