#include "core/sasrec/dropout.h"

#include <torch/torch.h>

namespace flower::sasrec {

at::Tensor dropout(const at::Tensor& x, double p, at::Generator* generator) {
    if (generator == nullptr || p <= 0.0) return x;
    at::Tensor keep = torch::empty_like(x, x.options().requires_grad(false));
    keep.bernoulli_(1.0 - p, *generator);
    return x * keep.div_(1.0 - p);
}

}  // namespace flower::sasrec
