#include "core/train/coarse_trajectory.h"

#include "core/util/error.h"

#include <torch/torch.h>

namespace flower::train {

CoarseTrajectories coarsenTrajectories(const at::Tensor& logPF, const at::Tensor& logR,
                                       const at::Tensor& logPterm, const at::Tensor& lengths, int n) {
    if (n < 1) {
        throw Error({"", 0, "reward.granularity"}, "expected a granularity ≥ 1, got " + std::to_string(n));
    }
    if (logPF.dim() != 2 || logPF.size(1) < 2 || logR.sizes() != logPF.sizes() ||
        logPterm.sizes() != logPF.sizes() || lengths.dim() != 1 || lengths.size(0) != logPF.size(0)) {
        throw Error({"", 0, "granularity"}, "coarsenTrajectories: expected [B, L ≥ 2] arrays and [B] lengths");
    }
    const std::int64_t B = logPF.size(0), L = logPF.size(1);
    const std::int64_t K = (L - 1 + n - 1) / n + 1;
    const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(logPF.device());
    const at::Tensor c = lengths.to(longOpts).clamp(0, L - 1).unsqueeze(1);   // [B, 1]
    const at::Tensor kn = torch::arange(K, longOpts).unsqueeze(0) * n;        // [1, K]
    const at::Tensor p = torch::minimum(kn, c);                               // [B, K]
    const at::Tensor next = torch::minimum(kn + n, c);                        // [B, K]
    // Exclusive prefix sums, so a chunk is one difference; entries ≤ c_b read positions < c_b only.
    const at::Tensor cum = torch::cat({torch::zeros({B, 1}, logPF.options()),
                                       torch::where(torch::arange(L, longOpts).unsqueeze(0) < c, logPF,
                                                    torch::zeros({}, logPF.options()))
                                           .cumsum(1)},
                                      1);  // [B, L + 1]
    CoarseTrajectories out;
    out.logPF = cum.gather(1, next) - cum.gather(1, p);
    out.logR = logR.gather(1, p);
    out.logPterm = logPterm.gather(1, p);
    out.terminated = kn >= c;
    return out;
}

}  // namespace flower::train
