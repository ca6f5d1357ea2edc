// Config flattening for the comparison's hyper-parameter table and its group-by (issue 18): a
// run's resolved config JSON as dotted keys with values in the form `--set key=value` takes
// them (strings verbatim, numbers / booleans / null / arrays as compact JSON), so what the
// table shows can be pasted back onto a command line.
//   {"lambda": 0.1, "reward": {"variant": "flow"}, "k": [5, 10]}
//     → lambda=0.1, k=[5,10], reward.variant=flow   (sorted by key)
// An empty object is one entry with the value {}. A config that is not a JSON object (a stored
// run of a much older build) is one entry "config" with the text.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flower::compare {

struct FlatEntry {
    std::string key;
    std::string value;
    bool operator==(const FlatEntry&) const = default;
};

// Sorted by key; keys are unique.
using FlatConfig = std::vector<FlatEntry>;

FlatConfig flattenConfig(const std::string& configJson);

// The value of `key`, or nullopt when the config has none.
std::optional<std::string> flatValue(const FlatConfig& config, const std::string& key);

// Every key of any config, in sorted order, and whether its value is the same in all of them
// (a key missing from some config differs).
struct KeyVariation {
    std::string key;
    bool equal = false;
};
std::vector<KeyVariation> keyVariation(const std::vector<FlatConfig>& configs);

// The keys whose values differ across the configs (what group-by offers; the table's visible
// columns by default). Fields that name a run rather than set it up ("name", "description")
// come last.
std::vector<std::string> differingKeys(const std::vector<FlatConfig>& configs);

}  // namespace flower::compare
