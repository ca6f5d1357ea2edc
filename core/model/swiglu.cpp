#include "core/model/swiglu.h"

#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace flower::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class SwigluFunction : public torch::autograd::Function<SwigluFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& gateUpIn) {
        const at::Tensor gu = gateUpIn.contiguous();  // [..., 2F]
        const std::int64_t F = gu.size(-1) / 2, N = F > 0 ? gu.numel() / (2 * F) : 0;
        std::vector<std::int64_t> shape = gu.sizes().vec();
        shape.back() = F;
        at::Tensor y = at::empty(shape, gu.options());  // [..., F]
        AT_DISPATCH_FLOATING_TYPES(gu.scalar_type(), "swiglu", [&] {
            const scalar_t* in = gu.data_ptr<scalar_t>();
            scalar_t* out = y.data_ptr<scalar_t>();
            at::parallel_for(0, N, 4, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t n = begin; n < end; ++n) kernels::swigluRow(in + n * 2 * F, out + n * F, F);
            });
        });
        ctx->save_for_backward({gateUpIn});  // as given: a create_graph backward stays connected
        return y;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const at::Tensor gu = ctx->get_saved_variables()[0].contiguous();  // [..., 2F]
        const at::Tensor g = grads[0].contiguous();                         // [..., F]
        const std::int64_t F = gu.size(-1) / 2, N = F > 0 ? gu.numel() / (2 * F) : 0;
        if (at::GradMode::is_enabled()) {
            // create_graph (second derivatives): the same gradient from differentiable ops.
            const at::Tensor gate = gu.narrow(-1, 0, F), up = gu.narrow(-1, F, F);
            const at::Tensor s = torch::sigmoid(gate);
            return {torch::cat({g * up * s * (1 + gate * (1 - s)), g * gate * s}, -1)};
        }
        at::Tensor dgu = at::empty_like(gu);  // [..., 2F]
        AT_DISPATCH_FLOATING_TYPES(gu.scalar_type(), "swigluBackward", [&] {
            const scalar_t* in = gu.data_ptr<scalar_t>();
            const scalar_t* gp = g.data_ptr<scalar_t>();
            scalar_t* out = dgu.data_ptr<scalar_t>();
            at::parallel_for(0, N, 4, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t n = begin; n < end; ++n) {
                    kernels::swigluRowBackward(in + n * 2 * F, gp + n * F, out + n * 2 * F, F);
                }
            });
        });
        return {dgu};
    }
};

}  // namespace

at::Tensor swiglu(const at::Tensor& gateUp) {
    TORCH_CHECK(gateUp.dim() >= 1 && gateUp.size(-1) % 2 == 0,
                "swiglu: expected [..., 2F], got ", gateUp.sizes());
    const auto type = gateUp.scalar_type();
    if (kernels::enabled() && gateUp.is_cpu() && (type == at::kFloat || type == at::kDouble)) {
        return SwigluFunction::apply(gateUp);
    }
    const std::int64_t F = gateUp.size(-1) / 2;
    return torch::silu(gateUp.narrow(-1, 0, F)) * gateUp.narrow(-1, F, F);  // [..., F]
}

}  // namespace flower::model
