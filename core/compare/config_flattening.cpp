#include "core/compare/config_flattening.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace flower::compare {

namespace {

void flatten(const nlohmann::json& j, const std::string& path, FlatConfig& out) {
    if (j.is_object() && !j.empty()) {
        for (const auto& [key, value] : j.items()) {
            flatten(value, path.empty() ? key : path + "." + key, out);
        }
        return;
    }
    out.push_back({path.empty() ? std::string("config") : path,
                   j.is_string() ? j.get<std::string>() : j.dump()});
}

bool namesRun(const std::string& key) { return key == "name" || key == "description"; }

}  // namespace

FlatConfig flattenConfig(const std::string& configJson) {
    FlatConfig out;
    const auto j = nlohmann::json::parse(configJson, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        out.push_back({"config", configJson});
        return out;
    }
    flatten(j, "", out);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
}

std::optional<std::string> flatValue(const FlatConfig& config, const std::string& key) {
    const auto it = std::lower_bound(config.begin(), config.end(), key,
                                     [](const FlatEntry& e, const std::string& k) { return e.key < k; });
    if (it == config.end() || it->key != key) return std::nullopt;
    return it->value;
}

std::vector<KeyVariation> keyVariation(const std::vector<FlatConfig>& configs) {
    std::map<std::string, std::pair<std::size_t, std::optional<std::string>>> seen;  // key → (n, value)
    std::map<std::string, bool> equal;
    for (const auto& c : configs) {
        for (const auto& e : c) {
            auto [it, fresh] = seen.try_emplace(e.key, 0, e.value);
            auto [eq, unused] = equal.try_emplace(e.key, true);
            (void)unused;
            ++it->second.first;
            if (!fresh && it->second.second != e.value) eq->second = false;
        }
    }
    std::vector<KeyVariation> out;
    out.reserve(seen.size());
    for (const auto& [key, nv] : seen) {
        out.push_back({key, equal[key] && nv.first == configs.size()});
    }
    return out;
}

std::vector<std::string> differingKeys(const std::vector<FlatConfig>& configs) {
    std::vector<std::string> keys;
    for (const auto& v : keyVariation(configs)) {
        if (!v.equal) keys.push_back(v.key);
    }
    std::stable_partition(keys.begin(), keys.end(), [](const auto& k) { return !namesRun(k); });
    return keys;
}

}  // namespace flower::compare
