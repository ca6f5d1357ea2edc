// Internal to ExperimentConfig: which file (or --set) gave each field, so that a validation
// error names the file where the bad value was written, not the file that was loaded.
#pragma once

#include "core/run/experiment_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace flower::run::detail {

// "optimizer.lr" → "experiments/base.json"; a field without an entry takes its parent's.
using Origins = std::map<std::string, std::string>;

std::string originOf(const Origins& origins, const std::string& field, const std::string& fallback);

ExperimentConfig parseTracked(const nlohmann::json& j, const Origins& origins,
                              const std::string& fallback);

}  // namespace flower::run::detail
