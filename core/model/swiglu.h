// swiglu — the activation of Qwen2's MLP on the fused [gate | up] projection:
// silu(gate) · up, gate and up being the two halves of the last dimension.
//
// On the CPU in fp32/fp64 it is one autograd op whose backward writes the [.., 2F] gradient of
// the fused projection directly (the composite silu, mul and their backwards are 5 passes, and
// the split's backward one more cat). Elsewhere (CUDA, bf16) it is exactly the composite.
#pragma once

#include <ATen/core/Tensor.h>

namespace flower::model {

// gateUp: [..., 2F] → [..., F]
at::Tensor swiglu(const at::Tensor& gateUp);

}  // namespace flower::model
