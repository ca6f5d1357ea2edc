// The single-head self-attention of SASRec as the reference writes it (SasRecModules_ori.py,
// MultiHeadAttention with num_heads 1): Q = linear_q(queries), K/V = linear_k/v(keys), scores
// Q·Kᵀ / √hidden; keys whose vector sums to 0 (the zeroed padding) and future keys are set to
// −2³²+1 before the softmax; query rows whose vector sums to 0 get zero weights; dropout on the
// weights; the output adds the queries (the residual of the normalised input). Submodules carry
// the reference's names (mh_attn.linear_q, …).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace flower::sasrec {

class SasRecAttentionImpl : public torch::nn::Module {
public:
    SasRecAttentionImpl(std::int64_t hidden, double dropout);

    // Every position: queries, keys [B, T, D] → [B, T, D]. `generator` null: no dropout.
    torch::Tensor forward(const torch::Tensor& queries, const torch::Tensor& keys,
                          at::Generator* generator);
    // One query per row (position `last[b]` of that row, which sees keys 0..last[b]):
    // query [B, D], keys [B, T, D], last [B] → [B, D]; equals forward(...)[b, last[b]].
    torch::Tensor forwardAt(const torch::Tensor& query, const torch::Tensor& keys,
                            const torch::Tensor& last, at::Generator* generator);

    torch::nn::Linear linear_q{nullptr}, linear_k{nullptr}, linear_v{nullptr};

private:
    std::int64_t hidden_;
    double dropout_;
};
TORCH_MODULE(SasRecAttention);

}  // namespace flower::sasrec
