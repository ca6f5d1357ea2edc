#include "core/model/rms_norm.h"

#include <torch/torch.h>

namespace flower::model {

RMSNormImpl::RMSNormImpl(std::int64_t dim, double eps) : eps_(eps) {
    weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
    const auto dtype = x.scalar_type();
    const torch::Tensor x32 = x.to(torch::kFloat);                          // [..., D]
    const torch::Tensor inv = torch::rsqrt(x32.pow(2).mean(-1, true) + eps_);  // [..., 1]
    return weight * (x32 * inv).to(dtype);
}

}  // namespace flower::model
