// compareToGolden: every number of a golden metrics object (arrays element-wise, key "notes"
// ignored) against the same keys of a report (reportJson or `flower metrics` output).
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace flower::test {

// The first mismatch beyond `tol`, or "" when every value matches.
template <typename Json>
std::string compareToGolden(const nlohmann::json& expected, const Json& actual, double tol) {
    const auto one = [&](const nlohmann::json& e, const Json& g, const std::string& where) {
        if (!g.is_number() || std::abs(e.get<double>() - g.template get<double>()) > tol) {
            return where + ": expected " + e.dump() + ", got " + g.dump();
        }
        return std::string();
    };
    for (const auto& [key, value] : expected.items()) {
        if (key == "notes") continue;
        if (!actual.contains(key)) return "missing key " + key;
        const auto& got = actual.at(key);
        if (!value.is_array()) {
            if (auto m = one(value, got, key); !m.empty()) return m;
            continue;
        }
        if (!got.is_array() || got.size() != value.size()) return key + ": length differs";
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (auto m = one(value[i], got[i], key + "[" + std::to_string(i) + "]"); !m.empty()) {
                return m;
            }
        }
    }
    return "";
}

}  // namespace flower::test
