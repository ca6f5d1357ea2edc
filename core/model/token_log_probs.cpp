#include "core/model/token_log_probs.h"

#include "core/model/cpu_kernels.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

namespace flower::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class TokenLogProbsFunction : public torch::autograd::Function<TokenLogProbsFunction> {
public:
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& logitsIn, const at::Tensor& indexIn) {
        const at::Tensor logits = logitsIn.contiguous();  // [N, V]
        const at::Tensor index = indexIn.contiguous();    // [N, K]
        const std::int64_t N = logits.size(0), V = logits.size(1), K = index.size(1);
        at::Tensor lse = at::empty({N}, logits.options());    // [N]
        at::Tensor out = at::empty({N, K}, logits.options());  // [N, K]
        AT_DISPATCH_FLOATING_TYPES(logits.scalar_type(), "tokenLogProbs", [&] {
            const scalar_t* x = logits.data_ptr<scalar_t>();
            const std::int64_t* ix = index.data_ptr<std::int64_t>();
            scalar_t* l = lse.data_ptr<scalar_t>();
            scalar_t* o = out.data_ptr<scalar_t>();
            at::parallel_for(0, N, 8, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t n = begin; n < end; ++n) {
                    l[n] = kernels::logSumExp(x + n * V, V);
                    for (std::int64_t k = 0; k < K; ++k) o[n * K + k] = x[n * V + ix[n * K + k]] - l[n];
                }
            });
        });
        // The inputs as given, so that a create_graph backward stays connected to their graph.
        ctx->save_for_backward({logitsIn, indexIn, lse});
        return out;
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor logits = saved[0].contiguous();  // [N, V]
        const at::Tensor index = saved[1].contiguous();   // [N, K]
        const at::Tensor& lse = saved[2];                 // [N]
        if (at::GradMode::is_enabled()) {
            // create_graph (second derivatives): the same gradient from differentiable ops.
            const at::Tensor& g = grads[0];
            return {torch::zeros_like(logits).scatter_add(1, index, g) -
                        g.sum(1, true) * torch::softmax(logits, -1),
                    at::Tensor()};
        }
        const at::Tensor go = grads[0].contiguous();  // [N, K]
        const std::int64_t N = logits.size(0), V = logits.size(1), K = index.size(1);
        at::Tensor grad = at::empty_like(logits);  // [N, V]
        AT_DISPATCH_FLOATING_TYPES(logits.scalar_type(), "tokenLogProbsBackward", [&] {
            const scalar_t* x = logits.data_ptr<scalar_t>();
            const std::int64_t* ix = index.data_ptr<std::int64_t>();
            const scalar_t* l = lse.data_ptr<scalar_t>();
            const scalar_t* g = go.data_ptr<scalar_t>();
            scalar_t* d = grad.data_ptr<scalar_t>();
            at::parallel_for(0, N, 8, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t n = begin; n < end; ++n) {
                    scalar_t total = 0;
                    for (std::int64_t k = 0; k < K; ++k) total += g[n * K + k];
                    kernels::scaledSoftmax(x + n * V, l[n], total, d + n * V, V);
                    for (std::int64_t k = 0; k < K; ++k) d[n * V + ix[n * K + k]] += g[n * K + k];
                }
            });
        });
        return {grad, at::Tensor()};
    }
};

}  // namespace

at::Tensor tokenLogProbs(const at::Tensor& logits, const at::Tensor& index) {
    TORCH_CHECK(logits.dim() == 2 && index.dim() == 2 && index.size(0) == logits.size(0),
                "tokenLogProbs: expected logits [N, V] and index [N, K], got ", logits.sizes(), " and ",
                index.sizes());
    TORCH_CHECK(index.scalar_type() == at::kLong, "tokenLogProbs: index must be int64");
    const auto type = logits.scalar_type();
    if (kernels::enabled() && logits.is_cpu() && index.is_cpu() && (type == at::kFloat || type == at::kDouble)) {
        // The fused loops read logits at these indices unchecked; gather checks its own.
        if (index.numel() > 0) {
            const auto [lo, hi] = at::aminmax(index);
            TORCH_CHECK(lo.item<std::int64_t>() >= 0 && hi.item<std::int64_t>() < logits.size(1),
                        "tokenLogProbs: an index is outside [0, ", logits.size(1), ")");
        }
        return TokenLogProbsFunction::apply(logits, index);
    }
    return torch::log_softmax(logits, -1).gather(1, index);  // [N, K]
}

}  // namespace flower::model
