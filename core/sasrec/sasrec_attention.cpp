#include "core/sasrec/sasrec_attention.h"

#include "core/sasrec/dropout.h"

#include <torch/torch.h>

#include <cmath>

namespace flower::sasrec {

namespace {
// The reference pads with -2 ** 32 + 1, not −∞: a row of only masked keys would still softmax
// to uniform weights instead of NaN (it never happens for a real query: key 0 is a real item).
constexpr double kMasked = -4294967295.0;
}  // namespace

SasRecAttentionImpl::SasRecAttentionImpl(std::int64_t hidden, double dropout)
    : hidden_(hidden), dropout_(dropout) {
    linear_q = register_module("linear_q", torch::nn::Linear(hidden, hidden));
    linear_k = register_module("linear_k", torch::nn::Linear(hidden, hidden));
    linear_v = register_module("linear_v", torch::nn::Linear(hidden, hidden));
}

torch::Tensor SasRecAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                           at::Generator* generator) {
    const auto T = queries.size(1);
    const torch::Tensor q = linear_q(queries), k = linear_k(keys), v = linear_v(keys);  // [B, T, D]
    torch::Tensor s = torch::bmm(q, k.transpose(1, 2)) / std::sqrt(static_cast<double>(hidden_));  // [B, T, T]
    // Key masking as the reference: a key whose vector sums to exactly 0 is padding.
    const torch::Tensor paddedKey = keys.sum(-1).eq(0).unsqueeze(1);  // [B, 1, T]
    s = s.masked_fill(paddedKey, kMasked);
    const torch::Tensor future =
        torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool)).triu(1);  // [T, T]
    s = s.masked_fill(future, kMasked);
    torch::Tensor w = torch::softmax(s, -1);  // [B, T, T]
    // Query masking: rows whose query sums to 0 attend to nothing.
    w = w * queries.sum(-1).ne(0).unsqueeze(-1).to(w.scalar_type());
    w = dropout(w, dropout_, generator);
    return torch::bmm(w, v) + queries;  // [B, T, D]
}

torch::Tensor SasRecAttentionImpl::forwardAt(const torch::Tensor& query, const torch::Tensor& keys,
                                             const torch::Tensor& last, at::Generator* generator) {
    const auto T = keys.size(1);
    const torch::Tensor q = linear_q(query);                    // [B, D]
    const torch::Tensor k = linear_k(keys), v = linear_v(keys);  // [B, T, D]
    torch::Tensor s = torch::bmm(k, q.unsqueeze(-1)).squeeze(-1) /
                      std::sqrt(static_cast<double>(hidden_));  // [B, T]
    const torch::Tensor positions = torch::arange(T, last.options()).unsqueeze(0);  // [1, T]
    const torch::Tensor masked = keys.sum(-1).eq(0) | positions.gt(last.unsqueeze(1));  // [B, T]
    s = s.masked_fill(masked, kMasked);
    torch::Tensor w = torch::softmax(s, -1);  // [B, T]
    w = w * query.sum(-1).ne(0).unsqueeze(-1).to(w.scalar_type());
    w = dropout(w, dropout_, generator);
    return torch::bmm(w.unsqueeze(1), v).squeeze(1) + query;  // [B, D]
}

}  // namespace flower::sasrec
