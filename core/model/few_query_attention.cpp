#include "core/model/few_query_attention.h"

#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace flower::model {

std::optional<at::Tensor> fewQueryAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                            const at::Tensor& bias, double scale) {
    const bool recording = at::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
    const auto isCpuFloat = [](const at::Tensor& t) { return t.is_cpu() && t.scalar_type() == at::kFloat; };
    if (!kernels::enabled() || recording || q.dim() != 4 || q.size(2) > kFewQueries || !isCpuFloat(q) || !isCpuFloat(k) ||
        !isCpuFloat(v) || !isCpuFloat(bias)) {
        return std::nullopt;
    }
    const std::int64_t B = q.size(0), H = q.size(1), T = q.size(2), Dh = q.size(3);
    const std::int64_t Hkv = k.size(1), S = k.size(2), G = H / Hkv;
    TORCH_CHECK(k.sizes() == v.sizes() && k.size(0) == B && k.size(3) == Dh && H % Hkv == 0 &&
                    bias.numel() == B * T * S,
                "fewQueryAttention: shapes q ", q.sizes(), ", k ", k.sizes(), ", v ", v.sizes(), ", bias ",
                bias.sizes(), " do not fit");
    // K/V may be views of a reserved KvCache buffer ([B, Hkv, capacity, Dh] narrowed to S): read
    // them in place as long as each head's rows are contiguous.
    auto headRows = [](const at::Tensor& t) {
        return t.stride(3) == 1 && t.stride(2) == t.size(3) ? t : t.contiguous();
    };
    const at::Tensor qc = q.contiguous(), kc = headRows(k), vc = headRows(v), bc = bias.contiguous();
    const std::int64_t kb = kc.stride(0), kh = kc.stride(1), vb = vc.stride(0), vh = vc.stride(1);
    at::Tensor out = at::empty({B, H, T, Dh}, q.options());  // [B, H, T, Dh]
    const float* qp = qc.data_ptr<float>();
    const float* kp = kc.data_ptr<float>();
    const float* vp = vc.data_ptr<float>();
    const float* bp = bc.data_ptr<float>();
    float* op = out.data_ptr<float>();
    // One task per (row, query head); grain so that a thread wakes only for ≥ ~64 K multiply-adds.
    const std::int64_t grain = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, T * S * Dh));
    at::parallel_for(0, B * H, grain, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> scratch(static_cast<std::size_t>(S));
        for (std::int64_t bh = begin; bh < end; ++bh) {
            const std::int64_t b = bh / H, h = bh % H, kvh = h / G;
            const float* keys = kp + b * kb + kvh * kh;
            const float* values = vp + b * vb + kvh * vh;
            for (std::int64_t t = 0; t < T; ++t) {
                kernels::attendOneQuery(qp + (bh * T + t) * Dh, keys, values, bp + (b * T + t) * S, S, Dh,
                                        static_cast<float>(scale), scratch.data(), op + (bh * T + t) * Dh);
            }
        }
    });
    return out;
}

}  // namespace flower::model
