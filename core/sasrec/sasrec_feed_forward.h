// The point-wise feed-forward block of SASRec as the reference writes it (SasRecModules_ori.py,
// PositionwiseFeedForward): LayerNorm(x + dropout(w_2(relu(w_1(x))))), w_1 and w_2 1×1
// convolutions (kept as Conv1d so the parameters have the reference's names and shapes,
// feed_forward.w_1.weight [D, D, 1]; applied as the equivalent linear maps).
#pragma once

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace flower::sasrec {

class SasRecFeedForwardImpl : public torch::nn::Module {
public:
    SasRecFeedForwardImpl(std::int64_t hidden, double dropout);
    // x: [..., D] → [..., D]. `generator` null: no dropout.
    torch::Tensor forward(const torch::Tensor& x, at::Generator* generator);

    torch::nn::Conv1d w_1{nullptr}, w_2{nullptr};
    torch::nn::LayerNorm layer_norm{nullptr};

private:
    double dropout_;
};
TORCH_MODULE(SasRecFeedForward);

}  // namespace flower::sasrec
