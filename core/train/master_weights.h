// MasterWeights: fp32 "master" copies of a model's low-precision (bfloat16 / float16)
// parameters, the mixed-precision scheme of real trainers. The optimiser is built over
// optimized(): the master of every low-precision parameter, the parameter itself otherwise
// (fp32/fp64 parameters get no copy, so an fp32 model runs exactly as without this class).
// Its AdamW moments are then fp32 too, and an update smaller than half a bf16 ulp is not
// lost: it accumulates in the master until the rounded parameter moves.
//
// One update, as the trainer runs it:
//   zeroGrad();                       // optimised tensors' and model parameters' gradients
//   loss.backward();                  // gradients in the model's dtype, on the model
//   gradientsToMasters();             // master.grad = fp32 copy of param.grad
//   clip / check optimized() grads;   // on the fp32 gradients
//   optimizer.step();                 // updates the masters
//   mastersToParameters();            // param.copy_(master): round to nearest even
//
// Ownership: shares the parameter tensors (the model owns them) and owns the masters, which
// live on their parameter's device. Not thread-safe. Failure: none beyond LibTorch's (a
// parameter replaced by one of another shape after construction is a programming error).
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <vector>

namespace flower::train {

class MasterWeights {
public:
    // Masters for every parameter whose dtype isLowPrecision, initialised from its value.
    explicit MasterWeights(std::vector<at::Tensor> parameters);

    // bfloat16 and float16: the dtypes that get an fp32 master.
    static bool isLowPrecision(c10::ScalarType dtype);

    // The model's parameters, in the order given.
    const std::vector<at::Tensor>& parameters() const { return parameters_; }
    // What the optimiser updates, parallel to parameters(): the master, or the parameter itself.
    const std::vector<at::Tensor>& optimized() const { return optimized_; }
    // The tensor the optimiser updates in place of `parameter` (itself when it has no master);
    // undefined when `parameter` is not one of parameters().
    at::Tensor optimizedFor(const at::Tensor& parameter) const;
    // True when some parameter has a master (the model is bf16/fp16, wholly or partly).
    bool hasMasters() const { return masterCount_ > 0; }
    std::size_t masterCount() const { return masterCount_; }
    // Whether parameters()[i] has a master (optimized()[i] is then a different fp32 tensor).
    bool hasMaster(std::size_t i) const;

    // Clears (zeroes, like LibTorch 1.13's Optimizer::zero_grad) the gradients of the optimised
    // tensors and of the parameters.
    void zeroGrad();
    // After backward: every master gets its parameter's gradient converted to fp32; a parameter
    // without a gradient leaves its master's gradient as it is (zeroed or undefined).
    void gradientsToMasters();
    // After the optimiser step: every parameter with a master takes its value, rounded.
    void mastersToParameters();
    // Re-derives every master from its parameter's (rounded) value: for a fresh run whose
    // weights were changed after construction. Loses nothing only then.
    void mastersFromParameters();

private:
    std::vector<at::Tensor> parameters_;
    std::vector<at::Tensor> optimized_;
    std::size_t masterCount_ = 0;
};

}  // namespace flower::train
