// Dropout drawn from an explicit generator, so that a SASRec training run is reproducible from
// its seed alone (torch::dropout draws from the process-wide generator, which other code shares).
// Same distribution as torch.nn.Dropout: each element kept with probability 1 − p, scaled 1/(1 − p).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace flower::sasrec {

// `generator` null (evaluation) or p = 0: x unchanged.
at::Tensor dropout(const at::Tensor& x, double p, at::Generator* generator);

}  // namespace flower::sasrec
