// RMSNorm as in Qwen2: y = weight · x / sqrt(mean(x²) + eps), with the statistics computed in
// fp32 whatever the input dtype (bf16 statistics lose too much), then cast back before the
// weight multiplies, as Hugging Face's Qwen2RMSNorm does. The weight is named `weight`.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace flower::model {

class RMSNormImpl : public torch::nn::Module {
public:
    RMSNormImpl(std::int64_t dim, double eps);
    // x: [..., D] → [..., D]
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;  // [D]

private:
    double eps_;
};
TORCH_MODULE(RMSNorm);

}  // namespace flower::model
