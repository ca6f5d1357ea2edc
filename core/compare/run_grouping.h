// Run grouping for the comparison (issue 18): the selected runs split by the value of one
// flattened config key (config_flattening.h), e.g. "lambda" → λ=0.001 (runs 3, 4, 5), λ=0.1
// (runs 6, 7). Groups come in order of their first run; a run without the key is in the group
// of value "—". The empty key means no grouping: one group per run.
#pragma once

#include "core/compare/config_flattening.h"

#include <cstddef>
#include <string>
#include <vector>

namespace flower::compare {

struct RunGroup {
    std::string value;                  // the key's value shared by the members ("" ungrouped)
    std::vector<std::size_t> members;   // indices into the configs given
};

std::vector<RunGroup> groupRuns(const std::vector<FlatConfig>& configs, const std::string& key);

// A short legend label for a key=value: the last part of the dotted key, "lambda" as λ
// ("λ=0.1", "variant=flow", "seed=3").
std::string groupLabel(const std::string& key, const std::string& value);

}  // namespace flower::compare
