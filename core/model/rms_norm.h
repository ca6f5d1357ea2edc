// RMSNorm as in Qwen2: y = weight · x / sqrt(mean(x²) + eps). The statistics are computed in
// fp32 (f64 for f64 input) whatever the input dtype, since bf16 statistics lose too much, and
// cast back before the weight multiplies, as Hugging Face's Qwen2RMSNorm does.
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
