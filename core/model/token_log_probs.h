// tokenLogProbs — log_softmax(logits)[n, index[n, k]] without the [N, V] log-softmax tensor.
//
// The losses need the log-probability of one or two tokens per position (the target; Flower's
// termination token too), never the whole row. On the CPU in fp32/fp64 this is one fused
// autograd op: the forward reads each row once for its log-sum-exp and keeps only that [N]; the
// backward writes the gradient −Σ_k g_nk · softmax + scatter(g) in one pass. The composite
// log_softmax + gather took 6 passes over [N, V] and allocated two more [N, V] buffers (one
// zero-filled). Elsewhere (CUDA, bf16) it is exactly log_softmax + gather.
#pragma once

#include <ATen/core/Tensor.h>

namespace flower::model {

// logits: [N, V] floating; index: [N, K] int64 with values in [0, V) → [N, K] in logits' dtype.
// Throws c10::Error when an index is out of range. Differentiable in logits.
at::Tensor tokenLogProbs(const at::Tensor& logits, const at::Tensor& index);

}  // namespace flower::model
