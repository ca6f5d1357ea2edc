// Precompiled header of flower_core: LibTorch and the standard library, compiled once.
// Headers of core must not rely on it: each includes what it uses.
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
