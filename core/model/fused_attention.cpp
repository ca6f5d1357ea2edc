#include "core/model/fused_attention.h"

#include "core/model/attention_kernels.h"
#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace flower::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Sizes and strides of one call. Head rows (the last dimension) are contiguous.
struct Geometry {
    std::int64_t B, H, Hkv, G, T, S, Dh;
    std::int64_t Spad;           // S rounded up to whole panels: rows of the probability blocks
    std::int64_t qs[3], ks[3], vs[3];  // strides of q, k, v over (batch, head, position)
};

// Query rows are processed in blocks of this many (the tile height of gemmPanels).
constexpr std::int64_t kRowBlock = 6;

// [lo, hi) of the keys each query (b, t) may read: first and last allowed key. Empty rows get
// lo = hi = 0.
std::vector<std::int64_t> keyRanges(const bool* allowed, std::int64_t B, std::int64_t T, std::int64_t S) {
    std::vector<std::int64_t> r(static_cast<std::size_t>(2 * B * T), 0);
    for (std::int64_t bt = 0; bt < B * T; ++bt) {
        const bool* row = allowed + bt * S;
        std::int64_t lo = 0, hi = S;
        while (lo < S && !row[lo]) ++lo;
        while (hi > lo && !row[hi - 1]) --hi;
        r[2 * bt] = lo < hi ? lo : 0;
        r[2 * bt + 1] = lo < hi ? hi : 0;
    }
    return r;
}

// Keys read by the query rows [t0, t0 + rows) of batch row b: the union of their ranges (lo, hi),
// and the same widened to whole panels (c0, c1).
struct BlockKeys {
    std::int64_t lo, hi, c0, c1;
};
template <typename T>
BlockKeys blockKeys(const std::vector<std::int64_t>& ranges, const Geometry& g, std::int64_t b, std::int64_t t0,
                    std::int64_t rows) {
    std::int64_t lo = g.S, hi = 0;
    for (std::int64_t t = t0; t < t0 + rows; ++t) {
        const std::int64_t* r = &ranges[static_cast<std::size_t>(2 * (b * g.T + t))];
        if (r[0] < r[1]) {
            lo = std::min(lo, r[0]);
            hi = std::max(hi, r[1]);
        }
    }
    if (lo >= hi) return {0, 0, 0, 0};
    constexpr std::int64_t P = kernels::kPanel<T>;
    return {lo, hi, lo / P * P, std::min(g.Spad, (hi + P - 1) / P * P)};
}

// Forward of batch row b, K/V head kvh: p ([B, H, T, Spad]) gets the probabilities, out
// ([B, T, H·Dh]) the output rows of the G query heads reading that K/V head.
template <typename T>
void forwardBlock(const Geometry& g, std::int64_t b, std::int64_t kvh, const T* q, const T* k, const T* v,
                  const bool* allowed, const std::vector<std::int64_t>& ranges, T scale, T* p, T* out) {
    std::vector<T> kt(static_cast<std::size_t>(g.Dh * g.Spad), T(0));  // Kᵀ, zero beyond S
    kernels::transpose(k + b * g.ks[0] + kvh * g.ks[1], g.S, g.Dh, g.ks[2], kt.data(), g.Spad);
    const T* vh = v + b * g.vs[0] + kvh * g.vs[1];
    for (std::int64_t j = 0; j < g.G; ++j) {
        const std::int64_t h = kvh * g.G + j;
        const T* qh = q + b * g.qs[0] + h * g.qs[1];
        T* ph = p + (b * g.H + h) * g.T * g.Spad;
        for (std::int64_t t0 = 0; t0 < g.T; t0 += kRowBlock) {
            const std::int64_t rows = std::min(kRowBlock, g.T - t0);
            const BlockKeys key = blockKeys<T>(ranges, g, b, t0, rows);
            T* pr = ph + t0 * g.Spad;
            kernels::gemmPanels(rows, key.c1 - key.c0, g.Dh, qh + t0 * g.qs[2], g.qs[2], kt.data() + key.c0, g.Spad,
                                pr + key.c0, g.Spad, false);
            for (std::int64_t r = 0; r < rows; ++r) {
                kernels::attentionSoftmaxRow(pr + r * g.Spad, allowed + (b * g.T + t0 + r) * g.S, g.S, key.c0,
                                             key.c1, g.Spad, scale);
            }
            T* o = out + ((b * g.T + t0) * g.H + h) * g.Dh;
            kernels::gemmPanels(rows, g.Dh, key.hi - key.lo, pr + key.lo, g.Spad, vh + key.lo * g.vs[2], g.vs[2], o,
                                g.H * g.Dh, false);
            for (std::int64_t r = 0; r < rows; ++r) {
                const std::int64_t* range = &ranges[static_cast<std::size_t>(2 * (b * g.T + t0 + r))];
                if (range[0] == range[1]) {  // no key to read: NaN, as the composite softmax gives
                    std::fill(o + r * g.H * g.Dh, o + r * g.H * g.Dh + g.Dh, std::numeric_limits<T>::quiet_NaN());
                }
            }
        }
    }
}

// Backward of batch row b, K/V head kvh, from the output gradient go ([B, T, H·Dh]) and the
// forward's probabilities p: dq rows of its G query heads ([B, H, T, Dh]), dk and dv of the
// K/V head ([B, Hkv, S, Dh]).
template <typename T>
void backwardBlock(const Geometry& g, std::int64_t b, std::int64_t kvh, const T* q, const T* k, const T* v,
                   const T* p, const T* go, const std::vector<std::int64_t>& ranges, T scale, T* dq, T* dk,
                   T* dv) {
    constexpr std::int64_t P = kernels::kPanel<T>;
    const std::int64_t Dh = g.Dh, Sp = g.Spad;
    std::vector<T> vt(static_cast<std::size_t>(Dh * Sp), T(0));       // Vᵀ, zero beyond S
    std::vector<T> ds(static_cast<std::size_t>(g.G * g.T * Sp));     // dL/dscores of the G heads
    std::vector<T> qt(static_cast<std::size_t>(g.G * Dh * g.T));     // Qᵀ per head
    std::vector<T> got(static_cast<std::size_t>(g.G * Dh * g.T));    // (dL/dout)ᵀ per head
    kernels::transpose(v + b * g.vs[0] + kvh * g.vs[1], g.S, Dh, g.vs[2], vt.data(), Sp);
    const T* kh = k + b * g.ks[0] + kvh * g.ks[1];
    for (std::int64_t j = 0; j < g.G; ++j) {
        const std::int64_t h = kvh * g.G + j;
        const T* ph = p + (b * g.H + h) * g.T * Sp;
        const T* gh = go + (b * g.T * g.H + h) * Dh;  // row t at gh + t·H·Dh
        T* dsh = ds.data() + j * g.T * Sp;
        kernels::transpose(q + b * g.qs[0] + h * g.qs[1], g.T, Dh, g.qs[2], qt.data() + j * Dh * g.T, g.T);
        kernels::transpose(gh, g.T, Dh, g.H * Dh, got.data() + j * Dh * g.T, g.T);
        for (std::int64_t t0 = 0; t0 < g.T; t0 += kRowBlock) {
            const std::int64_t rows = std::min(kRowBlock, g.T - t0);
            const BlockKeys key = blockKeys<T>(ranges, g, b, t0, rows);
            T* dsr = dsh + t0 * Sp;
            kernels::gemmPanels(rows, key.c1 - key.c0, Dh, gh + t0 * g.H * Dh, g.H * Dh, vt.data() + key.c0, Sp,
                                dsr + key.c0, Sp, false);  // dL/dp = dout · Vᵀ
            for (std::int64_t r = 0; r < rows; ++r) {
                kernels::attentionSoftmaxRowBackward(ph + (t0 + r) * Sp, dsr + r * Sp, key.c0, key.c1, Sp, scale);
            }
            kernels::gemmPanels(rows, Dh, key.hi - key.lo, dsr + key.lo, Sp, kh + key.lo * g.ks[2], g.ks[2],
                                dq + ((b * g.H + h) * g.T + t0) * Dh, Dh, false);  // dq = dscores · K
        }
    }
    // dKᵀ = Σ_heads Qᵀ · dscores and dVᵀ = Σ_heads doutᵀ · p, one key panel at a time over the
    // queries that read any key of it.
    std::vector<T> dkt(static_cast<std::size_t>(Dh * Sp)), dvt(static_cast<std::size_t>(Dh * Sp));
    for (std::int64_t c = 0; c < Sp; c += P) {
        std::int64_t tBegin = g.T, tEnd = 0;
        for (std::int64_t t = 0; t < g.T; ++t) {
            const std::int64_t* r = &ranges[static_cast<std::size_t>(2 * (b * g.T + t))];
            if (r[0] < c + P && r[1] > c) {
                tBegin = std::min(tBegin, t);
                tEnd = t + 1;
            }
        }
        if (tBegin >= tEnd) tBegin = tEnd = 0;
        for (std::int64_t j = 0; j < g.G; ++j) {
            const T* ph = p + (b * g.H + kvh * g.G + j) * g.T * Sp;
            kernels::gemmPanels(Dh, P, tEnd - tBegin, qt.data() + j * Dh * g.T + tBegin, g.T,
                                ds.data() + (j * g.T + tBegin) * Sp + c, Sp, dkt.data() + c, Sp, j > 0);
            kernels::gemmPanels(Dh, P, tEnd - tBegin, got.data() + j * Dh * g.T + tBegin, g.T, ph + tBegin * Sp + c,
                                Sp, dvt.data() + c, Sp, j > 0);
        }
    }
    kernels::transpose(dkt.data(), Dh, g.S, Sp, dk + (b * g.Hkv + kvh) * g.S * Dh, Dh);
    kernels::transpose(dvt.data(), Dh, g.S, Sp, dv + (b * g.Hkv + kvh) * g.S * Dh, Dh);
}

Geometry geometry(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t panel) {
    Geometry g{};
    g.B = q.size(0);
    g.H = q.size(1);
    g.T = q.size(2);
    g.Dh = q.size(3);
    g.Hkv = k.size(1);
    g.S = k.size(2);
    g.G = g.H / g.Hkv;
    g.Spad = (g.S + panel - 1) / panel * panel;
    for (int d = 0; d < 3; ++d) {
        g.qs[d] = q.stride(d);
        g.ks[d] = k.stride(d);
        g.vs[d] = v.stride(d);
    }
    return g;
}

class FusedAttentionFunction : public torch::autograd::Function<FusedAttentionFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              const at::Tensor& allowedIn, double scale) {
        const at::Tensor allowed = allowedIn.contiguous();
        at::Tensor out, p;
        AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "fusedAttention", [&] {
            const Geometry g = geometry(q, k, v, kernels::kPanel<scalar_t>);
            const auto ranges = keyRanges(allowed.data_ptr<bool>(), g.B, g.T, g.S);
            out = at::empty({g.B, g.T, g.H * g.Dh}, q.options());
            p = at::empty({g.B, g.H, g.T, g.Spad}, q.options());
            const scalar_t *qp = q.data_ptr<scalar_t>(), *kp = k.data_ptr<scalar_t>(), *vp = v.data_ptr<scalar_t>();
            scalar_t *pp = p.data_ptr<scalar_t>(), *op = out.data_ptr<scalar_t>();
            at::parallel_for(0, g.B * g.Hkv, 1, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) {
                    forwardBlock<scalar_t>(g, i / g.Hkv, i % g.Hkv, qp, kp, vp, allowed.data_ptr<bool>(), ranges,
                                           static_cast<scalar_t>(scale), pp, op);
                }
            });
        });
        ctx->save_for_backward({q, k, v, p});
        ctx->saved_data["allowed"] = allowed;
        ctx->saved_data["scale"] = scale;
        return out;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &p = saved[3];
        const at::Tensor allowed = ctx->saved_data["allowed"].toTensor();
        const double scale = ctx->saved_data["scale"].toDouble();
        if (at::GradMode::is_enabled()) {
            return createGraphBackward(q, k, v, allowed, scale, grads[0]);
        }
        const at::Tensor go = grads[0].contiguous();  // [B, T, H·Dh]
        at::Tensor dq = at::empty({q.size(0), q.size(1), q.size(2), q.size(3)}, q.options());
        at::Tensor dk = at::empty({k.size(0), k.size(1), k.size(2), k.size(3)}, k.options());
        at::Tensor dv = at::empty_like(dk);
        AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "fusedAttentionBackward", [&] {
            const Geometry g = geometry(q, k, v, kernels::kPanel<scalar_t>);
            const auto ranges = keyRanges(allowed.data_ptr<bool>(), g.B, g.T, g.S);
            const scalar_t *qp = q.data_ptr<scalar_t>(), *kp = k.data_ptr<scalar_t>(), *vp = v.data_ptr<scalar_t>();
            const scalar_t *pp = p.data_ptr<scalar_t>(), *gp = go.data_ptr<scalar_t>();
            scalar_t *dqp = dq.data_ptr<scalar_t>(), *dkp = dk.data_ptr<scalar_t>(), *dvp = dv.data_ptr<scalar_t>();
            at::parallel_for(0, g.B * g.Hkv, 1, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) {
                    backwardBlock<scalar_t>(g, i / g.Hkv, i % g.Hkv, qp, kp, vp, pp, gp, ranges,
                                            static_cast<scalar_t>(scale), dqp, dkp, dvp);
                }
            });
        });
        return {dq, dk, dv, at::Tensor(), at::Tensor()};
    }

private:
    // create_graph (second derivatives): the gradient of the composite form, itself differentiable.
    static variable_list createGraphBackward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                             const at::Tensor& allowed, double scale, const at::Tensor& go) {
        const std::int64_t B = q.size(0), H = q.size(1), T = q.size(2), Dh = q.size(3);
        const at::Tensor out = compositeAttention(q, k, v, attentionBias(allowed, q.options()), scale)
                                   .transpose(1, 2)
                                   .reshape({B, T, H * Dh});
        std::vector<at::Tensor> inputs;
        for (const auto& t : {q, k, v}) {
            if (t.requires_grad()) inputs.push_back(t);
        }
        const auto grads = torch::autograd::grad({out}, inputs, {go}, /*retain_graph=*/true, /*create_graph=*/true);
        variable_list result;
        std::size_t next = 0;
        for (const auto& t : {q, k, v}) result.push_back(t.requires_grad() ? grads[next++] : at::Tensor());
        result.push_back(at::Tensor());
        result.push_back(at::Tensor());
        return result;
    }
};

}  // namespace

std::optional<at::Tensor> fusedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                         const at::Tensor& allowed, double scale) {
    const auto type = q.scalar_type();
    if (!kernels::enabled() || !q.is_cpu() || (type != at::kFloat && type != at::kDouble) || q.dim() != 4 ||
        k.scalar_type() != type || v.scalar_type() != type) {
        return std::nullopt;
    }
    const std::int64_t panel = type == at::kFloat ? kernels::kPanel<float> : kernels::kPanel<double>;
    if (q.size(3) % panel != 0) return std::nullopt;
    const std::int64_t B = q.size(0), H = q.size(1), T = q.size(2), Dh = q.size(3);
    TORCH_CHECK(k.dim() == 4 && k.sizes() == v.sizes() && k.size(0) == B && k.size(3) == Dh && H % k.size(1) == 0 &&
                    allowed.scalar_type() == at::kBool && allowed.dim() == 4 && allowed.size(0) == B &&
                    allowed.size(1) == 1 && allowed.size(2) == T && allowed.size(3) == k.size(2),
                "fusedAttention: shapes q ", q.sizes(), ", k ", k.sizes(), ", v ", v.sizes(), ", allowed ",
                allowed.sizes(), " do not fit");
    auto rowsContiguous = [](const at::Tensor& t) { return t.stride(3) == 1 ? t : t.contiguous(); };
    return FusedAttentionFunction::apply(rowsContiguous(q), rowsContiguous(k), rowsContiguous(v), allowed, scale);
}

at::Tensor attentionBias(const at::Tensor& allowed, const at::TensorOptions& options) {
    return torch::zeros(allowed.sizes(), options)
        .masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity())
        .unsqueeze(1);  // [B, 1, 1, T, S]
}

at::Tensor compositeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                              double scale) {
    const std::int64_t B = q.size(0), H = q.size(1), T = q.size(2), Dh = q.size(3);
    const std::int64_t Hkv = k.size(1), S = k.size(2), G = H / Hkv;
    const at::Tensor qg = (q * scale).reshape({B, Hkv, G * T, Dh});
    at::Tensor scores = torch::matmul(qg, k.transpose(-1, -2));  // [B, Hkv, G·T, S]
    scores = scores.view({B, Hkv, G, T, S}) + bias;              // [B, Hkv, G, T, S]
    const auto softmaxType = c10::promoteTypes(q.scalar_type(), torch::kFloat);
    const at::Tensor probs = torch::softmax(scores, -1, softmaxType).to(q.scalar_type());
    return torch::matmul(probs.view({B, Hkv, G * T, S}), v).view({B, H, T, Dh});  // [B, H, T, Dh]
}

}  // namespace flower::model
