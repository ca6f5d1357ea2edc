// configureTorchThreads (declared in runtime.h): the one start-up function that needs LibTorch,
// so it lives in flower_core, not in the torch-free flower_base (core/CMakeLists.txt).
#include "core/util/runtime.h"

#include <torch/torch.h>

namespace flower::util {

int configureTorchThreads(std::optional<int> threads) {
    const int n = threads.value_or(defaultThreadCount());
    torch::set_num_threads(n);
    return n;
}

}  // namespace flower::util
