#include "core/model/rotary_embedding.h"

#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace flower::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Calls row(b, h, t) for every head row of [B, H, T, ·], split across threads.
template <typename Row>
void forEachHeadRow(std::int64_t B, std::int64_t H, std::int64_t T, const Row& row) {
    at::parallel_for(0, B * H * T, 64, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) row(i / (H * T), (i / T) % H, i % T);
    });
}

// Fused rotary embedding (CPU fp32/fp64): the composite form is 5 ops forward (mul, roll = a
// cat, mul, add) and more backward. x may be a strided view (the q/k split of the fused
// projection, transposed); each head row must be contiguous, which .contiguous() ensures.
class RotaryFunction : public torch::autograd::Function<RotaryFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& xIn, const at::Tensor& cosIn,
                              const at::Tensor& sinIn) {
        const at::Tensor x = xIn.stride(3) == 1 ? xIn : xIn.contiguous();  // [B, H, T, Dh]
        const at::Tensor c = cosIn.contiguous(), s = sinIn.contiguous();    // [B, 1, T, Dh]
        const std::int64_t B = x.size(0), H = x.size(1), T = x.size(2), Dh = x.size(3);
        at::Tensor y = at::empty({B, H, T, Dh}, x.options());  // [B, H, T, Dh] contiguous
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rotary", [&] {
            const scalar_t* xp = x.data_ptr<scalar_t>();
            const scalar_t* cp = c.data_ptr<scalar_t>();
            const scalar_t* sp = s.data_ptr<scalar_t>();
            scalar_t* yp = y.data_ptr<scalar_t>();
            const auto st = x.strides();
            forEachHeadRow(B, H, T, [&](std::int64_t b, std::int64_t h, std::int64_t t) {
                const std::int64_t angle = (b * T + t) * Dh;
                kernels::rotaryRow(xp + b * st[0] + h * st[1] + t * st[2], cp + angle, sp + angle,
                                   yp + ((b * H + h) * T + t) * Dh, Dh);
            });
        });
        ctx->save_for_backward({c, s});
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor& c = saved[0];  // [B, 1, T, Dh]
        const at::Tensor& s = saved[1];
        const at::Tensor g = grads[0].contiguous();  // [B, H, T, Dh]
        if (at::GradMode::is_enabled()) {
            // create_graph: the backward is linear in g; the same formula from differentiable ops.
            const std::int64_t half = g.size(-1) / 2;
            return {g * c + (g * s).roll(half, -1), at::Tensor(), at::Tensor()};
        }
        const std::int64_t B = g.size(0), H = g.size(1), T = g.size(2), Dh = g.size(3);
        at::Tensor gx = at::empty_like(g);
        AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "rotaryBackward", [&] {
            const scalar_t* gp = g.data_ptr<scalar_t>();
            const scalar_t* cp = c.data_ptr<scalar_t>();
            const scalar_t* sp = s.data_ptr<scalar_t>();
            scalar_t* out = gx.data_ptr<scalar_t>();
            forEachHeadRow(B, H, T, [&](std::int64_t b, std::int64_t h, std::int64_t t) {
                const std::int64_t row = ((b * H + h) * T + t) * Dh, angle = (b * T + t) * Dh;
                kernels::rotaryRowBackward(gp + row, cp + angle, sp + angle, out + row, Dh);
            });
        });
        return {gx, at::Tensor(), at::Tensor()};
    }
};

}  // namespace


std::pair<at::Tensor, at::Tensor> rotaryCosSin(const at::Tensor& positions, std::int64_t headDim,
                                               double theta, c10::ScalarType dtype) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat).device(positions.device());
    // Same arithmetic as transformers: theta ** (arange(0, Dh, 2).float() / Dh) in fp32.
    const torch::Tensor exponent = torch::arange(0, headDim, 2, f32) / static_cast<double>(headDim);
    const torch::Tensor invFreq = 1.0 / torch::pow(theta, exponent);                // [Dh/2]
    const torch::Tensor freqs = positions.to(torch::kFloat).unsqueeze(-1) * invFreq;  // [B, T, Dh/2]
    const torch::Tensor emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);            // [B, 1, T, Dh]
    // The sign of rotate_half ([−x2, x1]) is folded into sin once here rather than per use.
    const torch::Tensor sign = torch::cat({-torch::ones({headDim / 2}, f32), torch::ones({headDim / 2}, f32)});
    return {emb.cos().to(dtype), (emb.sin() * sign).to(dtype)};
}

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& signedSin) {
    const auto type = x.scalar_type();
    const bool fused = kernels::enabled() && x.is_cpu() && (type == at::kFloat || type == at::kDouble) &&
                       cos.scalar_type() == type && signedSin.scalar_type() == type && x.dim() == 4 &&
                       x.size(-1) % 2 == 0 && cos.sizes() == signedSin.sizes() && cos.dim() == 4 &&
                       cos.size(0) == x.size(0) && cos.size(1) == 1 && cos.size(2) == x.size(2) &&
                       cos.size(3) == x.size(3) && !cos.requires_grad() && !signedSin.requires_grad();
    if (fused) return RotaryFunction::apply(x, cos, signedSin);  // one pass each way
    // rotate_half(x) = [−x2, x1] = roll(x, Dh/2) · sign, the sign being in signedSin. Unlike a
    // cat of two narrows, roll's backward allocates no zero-filled gradient buffers.
    return x * cos + x.roll(x.size(-1) / 2, -1) * signedSin;  // [B, H, T, Dh]
}

}  // namespace flower::model
