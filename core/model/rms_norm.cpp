#include "core/model/rms_norm.h"

#include <torch/torch.h>

namespace flower::model {

RMSNormImpl::RMSNormImpl(std::int64_t dim, double eps) : eps_(eps) {
    weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
    const auto dtype = x.scalar_type();
    // Statistics in at least fp32 (bf16/f16 upcast; f64 stays f64 for gradient checks).
    const torch::Tensor x32 = x.to(c10::promoteTypes(dtype, torch::kFloat));  // [..., D]
    const torch::Tensor inv = torch::rsqrt(x32.pow(2).mean(-1, true) + eps_);  // [..., 1]
    return weight * (x32 * inv).to(dtype);
}

}  // namespace flower::model
