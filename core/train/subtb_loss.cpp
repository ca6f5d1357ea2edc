#include "core/train/subtb_loss.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>

namespace flower::train {

namespace {

void checkShapes(const at::Tensor& logPF, const at::Tensor& logR, const at::Tensor& logPterm,
                 const at::Tensor& other, const char* otherName) {
    auto describe = [](const at::Tensor& t) {
        std::ostringstream s;
        s << t.sizes();
        return s.str();
    };
    if (logPF.dim() != 2) {
        throw Error({"", 0, "logPF"}, "SubTB loss: expected [B, L], got " + describe(logPF));
    }
    for (const auto& [t, name] : {std::pair{logR, "logR"}, std::pair{logPterm, "logPterm"},
                                  std::pair{other, otherName}}) {
        if (t.sizes() != logPF.sizes()) {
            throw Error({"", 0, name}, std::string("SubTB loss: expected the shape of logPF ") +
                                           describe(logPF) + ", got " + describe(t));
        }
    }
    if (logPF.size(1) < 2) {
        throw Error({"", 0, "logPF"},
                    "SubTB loss: expected at least 2 generated positions, got " +
                        std::to_string(logPF.size(1)));
    }
}

}  // namespace

at::Tensor modifiedSubTbLoss(const at::Tensor& logPF, const at::Tensor& logR,
                             const at::Tensor& logPterm, const at::Tensor& generated,
                             std::int64_t terminationId, double subtbLambda) {
    checkShapes(logPF, logR, logPterm, generated, "generated");
    const at::Tensor terminated = (generated == terminationId).cumsum(1) >= 1;  // [B, L]
    return modifiedSubTbLossMasked(logPF, logR, logPterm, terminated, subtbLambda);
}

at::Tensor modifiedSubTbLossMasked(const at::Tensor& logPF, const at::Tensor& logR,
                                   const at::Tensor& logPterm, const at::Tensor& terminated,
                                   double subtbLambda) {
    checkShapes(logPF, logR, logPterm, terminated, "terminated");
    const std::int64_t B = logPF.size(0), L = logPF.size(1);
    const auto n = L - 1;

    // δ_t for t = 0..L-2.
    const at::Tensor delta = logR.narrow(1, 0, n) + logPF.narrow(1, 0, n) +
                             logPterm.narrow(1, 1, n) - logR.narrow(1, 1, n) -
                             logPterm.narrow(1, 0, n);                          // [B, L-1]
    // C_k = Σ_{t<k} δ_t, so Σ_{t=i}^{j−1} δ_t = C_j − C_i.
    const at::Tensor cum = torch::cat({torch::zeros({B, 1}, delta.options()), delta}, 1)
                               .cumsum(1);                                      // [B, L]
    const at::Tensor diff = cum.unsqueeze(1) - cum.unsqueeze(2);                // [B, L(i), L(j)]

    // (i, j) counts when i < j and no termination at a position ≤ j−1.
    const at::Tensor endsOk = torch::cat({torch::zeros({B, 1}, terminated.options().dtype(torch::kBool)),
                                          terminated.narrow(1, 0, n).to(torch::kBool).logical_not()},
                                         1);                                    // [B, L(j)]
    const auto longOpts = torch::TensorOptions().dtype(torch::kLong).device(logPF.device());
    const at::Tensor idx = torch::arange(L, longOpts);
    const at::Tensor span = idx.unsqueeze(0) - idx.unsqueeze(1);                // [L(i), L(j)] = j − i
    const at::Tensor upper = span > 0;                                          // [L, L]
    const at::Tensor valid = upper.unsqueeze(0) & endsOk.unsqueeze(1);          // [B, L, L]
    // λ^(j−i−1) on the strict upper triangle (λ^0 = 1 also for λ = 0).
    const at::Tensor weight =
        torch::where(upper, torch::pow(torch::full({}, subtbLambda, logPF.options()),
                                       (span - 1).clamp_min(0).to(logPF.scalar_type())),
                     torch::zeros({}, logPF.options()));                        // [L, L]

    // Mask before squaring, so that non-finite values past the termination give no NaN gradient.
    const at::Tensor kept = torch::where(valid, diff, torch::zeros({}, diff.options()));  // [B, L, L]
    const at::Tensor w = weight.unsqueeze(0) * valid.to(logPF.scalar_type());  // [B, L, L]
    // Every counted pair includes its length-1 pairs of weight λ^0 = 1, so a non-empty sum of
    // weights is ≥ 1 and clamping changes nothing; an empty one (every row ended at position 0,
    // e.g. a free rollout that emitted ⊤ first) gives a loss of 0 with no gradient, where the
    // reference divides 0 by 0.
    return (w * kept.square()).sum() / w.sum().clamp_min(1.0);
}

}  // namespace flower::train
