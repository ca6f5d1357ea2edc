#include "core/model/linear.h"

#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace flower::model {

namespace {

bool needsGrad(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    return at::GradMode::is_enabled() &&
           (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
}

}  // namespace

at::Tensor applyLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    const std::int64_t K = x.size(-1), N = weight.size(0);
    const std::int64_t M = K > 0 ? x.numel() / K : 0;
    const bool fast = kernels::enabled() && M > 0 && M <= kFewRows && x.is_cpu() && weight.is_cpu() &&
                      x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
                      weight.dim() == 2 && weight.size(1) == K &&
                      (!bias.defined() || (bias.scalar_type() == at::kFloat && bias.numel() == N)) &&
                      !needsGrad(x, weight, bias);
    if (!fast) return torch::linear(x, weight, bias);
    const at::Tensor xc = x.contiguous(), wc = weight.contiguous();
    const at::Tensor bc = bias.defined() ? bias.contiguous() : at::Tensor();
    std::vector<std::int64_t> shape = x.sizes().vec();
    shape.back() = N;
    at::Tensor y = at::empty(shape, x.options());  // [..., N]
    const float* xp = xc.data_ptr<float>();
    const float* wp = wc.data_ptr<float>();
    const float* bp = bc.defined() ? bc.data_ptr<float>() : nullptr;
    float* yp = y.data_ptr<float>();
    // A chunk of output columns per thread, but only when each gets ≥ 256 K multiply-adds:
    // waking a passive OpenMP thread costs more than a smaller share saves.
    const std::int64_t grain = std::max<std::int64_t>(16, (std::int64_t{1} << 18) / std::max<std::int64_t>(1, K * M));
    at::parallel_for(0, N, grain, [&](std::int64_t begin, std::int64_t end) {
        kernels::linearFewRows(xp, M, K, wp, bp, yp, N, begin, end);
    });
    return y;
}

}  // namespace flower::model
