#include "core/compare/run_grouping.h"

#include <algorithm>

namespace flower::compare {

std::vector<RunGroup> groupRuns(const std::vector<FlatConfig>& configs, const std::string& key) {
    std::vector<RunGroup> groups;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        if (key.empty()) {
            groups.push_back({"", {i}});
            continue;
        }
        const std::string value = flatValue(configs[i], key).value_or("—");
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const RunGroup& g) { return g.value == value; });
        if (it == groups.end()) {
            groups.push_back({value, {i}});
        } else {
            it->members.push_back(i);
        }
    }
    return groups;
}

std::string groupLabel(const std::string& key, const std::string& value) {
    const auto dot = key.rfind('.');
    std::string name = dot == std::string::npos ? key : key.substr(dot + 1);
    if (name == "lambda") name = "λ";
    return name + "=" + value;
}

}  // namespace flower::compare
