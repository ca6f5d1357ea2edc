#include "core/sasrec/sasrec_feed_forward.h"

#include "core/sasrec/dropout.h"

#include <torch/torch.h>

namespace flower::sasrec {

SasRecFeedForwardImpl::SasRecFeedForwardImpl(std::int64_t hidden, double dropout) : dropout_(dropout) {
    w_1 = register_module("w_1", torch::nn::Conv1d(torch::nn::Conv1dOptions(hidden, hidden, 1)));
    w_2 = register_module("w_2", torch::nn::Conv1d(torch::nn::Conv1dOptions(hidden, hidden, 1)));
    layer_norm = register_module(
        "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
}

torch::Tensor SasRecFeedForwardImpl::forward(const torch::Tensor& x, at::Generator* generator) {
    // A 1×1 convolution over [B, D, T] is a linear map of each position's vector.
    const torch::Tensor h = torch::relu(torch::linear(x, w_1->weight.squeeze(-1), w_1->bias));  // [..., D]
    torch::Tensor y = torch::linear(h, w_2->weight.squeeze(-1), w_2->bias);                   // [..., D]
    y = dropout(y, dropout_, generator);
    return layer_norm(y + x);
}

}  // namespace flower::sasrec
