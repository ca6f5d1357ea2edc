#include "core/model/layer_checkpoint.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

namespace flower::model {

namespace {

// What backward needs besides the saved input: the layer (kept alive with the graph) and the
// context every layer of the forward shares. Held in the node's saved_data as a capsule.
struct RecomputeState : torch::CustomClassHolder {
    std::shared_ptr<Qwen2DecoderLayerImpl> layer;
    AttentionContext context;
};

// Autograd node of one checkpointed layer. Inputs: x [B, T, D] (variable 0), the layer's
// parameters (variables 1..n, so their gradients take the ordinary graph edges), the state.
struct CheckpointedLayer : torch::autograd::Function<CheckpointedLayer> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 at::TensorList parameters,
                                 const c10::intrusive_ptr<RecomputeState>& state) {
        // Function::apply runs this with grad mode off: no graph, no saved intermediates.
        // The parameters are saved (references, no copies) only for autograd's version check:
        // changing them in place before the backward is an error, as on the plain path,
        // instead of a silent recomputation with other weights.
        std::vector<torch::Tensor> saved{x};
        saved.insert(saved.end(), parameters.begin(), parameters.end());
        ctx->save_for_backward(saved);
        ctx->saved_data["state"] =
            c10::IValue::make_capsule(c10::intrusive_ptr<torch::CustomClassHolder>(state));
        return state->layer->forward(x, state->context);  // [B, T, D]
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list gradOutputs) {
        const torch::Tensor x = ctx->get_saved_variables()[0];  // throws if modified in place
        const auto capsule = ctx->saved_data["state"].toCapsule();
        const auto* state = static_cast<const RecomputeState*>(capsule.get());
        const std::vector<torch::Tensor> parameters = state->layer->parameters();

        // Which gradients the engine wants: edge 0 is x, edges 1..n the parameters.
        std::vector<torch::Tensor> wrt;
        std::vector<std::size_t> slot;  // position in the returned list for each entry of wrt
        // The engine enables grad mode in a backward only for create_graph. Higher derivatives
        // would need the recomputation to stay connected to x (it starts from a detached copy),
        // so they are refused rather than silently wrong.
        TORCH_CHECK(!torch::GradMode::is_enabled(),
                    "gradient checkpointing (Qwen2ForCausalLM::setGradientCheckpointing) does not "
                    "support double backward (create_graph=true); switch it off for that");
        torch::Tensor input = x.detach();
        if (ctx->needs_input_grad(0)) {
            input.requires_grad_(true);
            wrt.push_back(input);
            slot.push_back(0);
        }
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            if (ctx->needs_input_grad(i + 1)) {
                wrt.push_back(parameters[i]);
                slot.push_back(i + 1);
            }
        }
        // One slot per forward argument: x, each parameter, and the (non-tensor) state.
        torch::autograd::variable_list grads(parameters.size() + 2);
        if (wrt.empty()) {
            return grads;
        }
        torch::Tensor output;
        {
            torch::AutoGradMode enable(true);
            output = state->layer->forward(input, state->context);  // [B, T, D], recomputed
        }
        const auto computed = torch::autograd::grad({output}, wrt, {gradOutputs[0]},
                                                    /*retain_graph=*/false, /*create_graph=*/false,
                                                    /*allow_unused=*/true);
        for (std::size_t j = 0; j < wrt.size(); ++j) {
            grads[slot[j]] = computed[j];
        }
        return grads;
    }
};

}  // namespace

torch::Tensor checkpointedLayerForward(const Qwen2DecoderLayer& layer, const torch::Tensor& x,
                                       const AttentionContext& context) {
    auto state = c10::make_intrusive<RecomputeState>();
    state->layer = layer.ptr();
    state->context = context;
    const std::vector<torch::Tensor> parameters = layer->parameters();
    return CheckpointedLayer::apply(x, at::TensorList(parameters), state);
}

}  // namespace flower::model
