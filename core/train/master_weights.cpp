#include "core/train/master_weights.h"

#include <torch/torch.h>

namespace flower::train {

MasterWeights::MasterWeights(std::vector<at::Tensor> parameters)
    : parameters_(std::move(parameters)) {
    optimized_.reserve(parameters_.size());
    torch::NoGradGuard noGrad;
    for (const auto& p : parameters_) {
        if (isLowPrecision(p.scalar_type())) {
            // A leaf of its own (not a view of the parameter), fp32 on the parameter's device.
            at::Tensor master = p.detach().to(torch::kFloat, /*non_blocking=*/false, /*copy=*/true);
            master.set_requires_grad(p.requires_grad());
            optimized_.push_back(std::move(master));
            ++masterCount_;
        } else {
            optimized_.push_back(p);
        }
    }
}

bool MasterWeights::isLowPrecision(c10::ScalarType dtype) {
    return dtype == c10::kBFloat16 || dtype == c10::kHalf;
}

bool MasterWeights::hasMaster(std::size_t i) const {
    return !optimized_.at(i).is_same(parameters_.at(i));
}

at::Tensor MasterWeights::optimizedFor(const at::Tensor& parameter) const {
    // Linear: called per parameter when checkpointing, a few hundred tensors at most.
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        if (parameters_[i].is_same(parameter)) {
            return optimized_[i];
        }
    }
    return {};
}

void MasterWeights::zeroGrad() {
    auto clear = [](const at::Tensor& t) {
        at::Tensor& g = t.mutable_grad();
        if (g.defined()) {
            g.detach_();
            g.zero_();
        }
    };
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        clear(optimized_[i]);
        if (hasMaster(i)) {
            clear(parameters_[i]);
        }
    }
}

void MasterWeights::gradientsToMasters() {
    if (masterCount_ == 0) {
        return;
    }
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        const at::Tensor& grad = parameters_[i].grad();
        if (!hasMaster(i) || !grad.defined()) {
            continue;
        }
        at::Tensor& masterGrad = optimized_[i].mutable_grad();
        if (masterGrad.defined()) {
            masterGrad.copy_(grad);  // converts to fp32 in place, no allocation per update
        } else {
            masterGrad = grad.detach().to(torch::kFloat, false, /*copy=*/true);
        }
    }
}

void MasterWeights::mastersToParameters() {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        if (hasMaster(i)) {
            parameters_[i].copy_(optimized_[i]);  // fp32 → bf16/fp16: round to nearest even
        }
    }
}

void MasterWeights::mastersFromParameters() {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        if (hasMaster(i)) {
            optimized_[i].copy_(parameters_[i]);
        }
    }
}

}  // namespace flower::train
