// optimizerStateKey(p): the key torch::optim keeps parameter p's state under. LibTorch 1.x keys
// Optimizer::state() by the TensorImpl address printed as a string, LibTorch 2.x by the address
// itself; this builds whichever key type the LibTorch at hand declares, so checkpoint code and
// tests compile against both (the CPU machines' Debian 1.13, the GPU machines' pip 2.x).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>

#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

namespace flower::train {

using OptimizerStateKey =
    std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

namespace detail {
template <typename Key>
Key stateKeyOf(c10::TensorImpl* impl) {
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream s;  // what c10::guts::to_string did in LibTorch 1.x
        s << static_cast<const void*>(impl);
        return s.str();
    } else {
        return impl;
    }
}
}  // namespace detail

inline OptimizerStateKey optimizerStateKey(const at::Tensor& p) {
    return detail::stateKeyOf<OptimizerStateKey>(p.unsafeGetTensorImpl());
}

}  // namespace flower::train
