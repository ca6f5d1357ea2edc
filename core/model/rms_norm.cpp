#include "core/model/rms_norm.h"

#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace flower::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Fused RMSNorm on the CPU for fp32/fp64, where the statistics are already in the input's
// dtype: the composite form is 8 ops forward and ~12 backward, each a pass over [N, D].
class RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& xIn, const at::Tensor& weight,
                              double eps) {
        const at::Tensor x = xIn.contiguous();  // [..., D]
        const std::int64_t D = x.size(-1), N = D > 0 ? x.numel() / D : 0;
        at::Tensor y = at::empty_like(x);                 // [..., D]
        at::Tensor r = at::empty({N}, x.options());       // [N] 1/rms of each row
        const at::Tensor w = weight.contiguous();         // [D]
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rmsNorm", [&] {
            const scalar_t* xp = x.data_ptr<scalar_t>();
            const scalar_t* wp = w.data_ptr<scalar_t>();
            scalar_t* yp = y.data_ptr<scalar_t>();
            scalar_t* rp = r.data_ptr<scalar_t>();
            at::parallel_for(0, N, 16, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t n = begin; n < end; ++n) {
                    rp[n] = kernels::rmsNormRow(xp + n * D, wp, static_cast<scalar_t>(eps), yp + n * D, D);
                }
            });
        });
        // The inputs as given, so that a create_graph backward stays connected to their graph.
        ctx->save_for_backward({xIn, weight, r});
        ctx->saved_data["eps"] = eps;
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor x = saved[0].contiguous();  // [..., D]
        const at::Tensor w = saved[1].contiguous();  // [D]
        const at::Tensor& r = saved[2];              // [N]
        const at::Tensor g = grads[0].contiguous();
        const std::int64_t D = x.size(-1), N = D > 0 ? x.numel() / D : 0;
        if (at::GradMode::is_enabled()) {
            // create_graph (second derivatives): the same gradient from differentiable ops.
            const double eps = ctx->saved_data["eps"].toDouble();
            const at::Tensor inv = torch::rsqrt(x.pow(2).mean(-1, true) + eps);  // [..., 1]
            const at::Tensor wg = w * g;
            const at::Tensor gx = inv * (wg - x * inv.pow(2) * (wg * x).mean(-1, true));
            return {gx, (g * x * inv).reshape({-1, D}).sum(0), at::Tensor()};
        }
        at::Tensor gx = at::empty_like(x);
        // The weight's gradient sums over rows: one accumulator row per thread, added at the
        // end (fixed thread → rows split, so a run stays deterministic for a thread count).
        at::Tensor partial = at::zeros({at::get_num_threads(), D}, x.options());  // [threads, D]
        AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rmsNormBackward", [&] {
            const scalar_t* xp = x.data_ptr<scalar_t>();
            const scalar_t* wp = w.data_ptr<scalar_t>();
            const scalar_t* gp = g.data_ptr<scalar_t>();
            const scalar_t* rp = r.data_ptr<scalar_t>();
            scalar_t* gxp = gx.data_ptr<scalar_t>();
            scalar_t* acc = partial.data_ptr<scalar_t>();
            at::parallel_for(0, N, 16, [&](std::int64_t begin, std::int64_t end) {
                scalar_t* mine = acc + at::get_thread_num() * D;
                for (std::int64_t n = begin; n < end; ++n) {
                    kernels::rmsNormRowBackward(xp + n * D, wp, gp + n * D, rp[n], gxp + n * D, mine, D);
                }
            });
        });
        return {gx, partial.sum(0), at::Tensor()};
    }
};

}  // namespace


RMSNormImpl::RMSNormImpl(std::int64_t dim, double eps) : eps_(eps) {
    weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
    const auto dtype = x.scalar_type();
    if (kernels::enabled() && x.is_cpu() && (dtype == torch::kFloat || dtype == torch::kDouble) &&
        weight.scalar_type() == dtype) {
        return RmsNormFunction::apply(x, weight, eps_);  // one pass each way (cpu_kernels.h)
    }
    // Statistics in at least fp32 (bf16/f16 upcast; f64 stays f64 for gradient checks).
    const torch::Tensor x32 = x.to(c10::promoteTypes(dtype, torch::kFloat));  // [..., D]
    const torch::Tensor inv = torch::rsqrt(x32.pow(2).mean(-1, true) + eps_);  // [..., 1]
    return weight * (x32 * inv).to(dtype);
}

}  // namespace flower::model
