#include "core/run/sweep_config.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace flower::run {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

const std::vector<std::string> kTopLevelKeys = {"name", "description", "experiment", "set", "grid",
                                                "zip"};
// Keys whose values are files: relative to the sweep file, as in an experiment file.
const std::vector<std::string> kPathKeys = {"dataset", "tokenizer", "model", "preference.scores"};

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& what) {
    throw Error({source, 0, field}, what);
}

// 15 significant digits take away the last bit of linspace arithmetic; integral values become
// integers so integer fields (seed, granularity) accept them.
json cleanNumber(double v) {
    char text[64];
    std::snprintf(text, sizeof text, "%.15g", v);
    const double rounded = std::strtod(text, nullptr);
    if (std::nearbyint(rounded) == rounded && std::fabs(rounded) < 9.0e15) {
        return json(static_cast<std::int64_t>(rounded));
    }
    return json(rounded);
}

std::vector<std::string> generated(const ordered_json& spec, const std::string& source,
                                   const std::string& field) {
    const std::string kind = spec.begin().key();
    const ordered_json& args = spec.begin().value();
    const std::string shape = kind == "linspace" ? "[start, stop, n]" : "[start exponent, stop exponent, n]";
    if (!args.is_array() || args.size() != 3 || !args[0].is_number() || !args[1].is_number() ||
        !args[2].is_number_integer()) {
        fail(source, field, "expected {\"" + kind + "\": " + shape +
                                "} with numbers and an integer n, got " + spec.dump());
    }
    const double a = args[0].get<double>();
    const double b = args[1].get<double>();
    const std::int64_t n = args[2].get<std::int64_t>();
    if (n < 1 || n > 100000) {
        fail(source, field, kind + " needs 1 ≤ n ≤ 100000 values, got n = " + std::to_string(n));
    }
    if (!std::isfinite(a) || !std::isfinite(b)) {
        fail(source, field, kind + " needs finite ends, got " + args.dump());
    }
    std::vector<std::string> values;
    for (std::int64_t i = 0; i < n; ++i) {
        // The last value is the stop itself, not start + (n-1)·step with its rounding.
        const double x = n == 1 ? a : (i == n - 1 ? b : a + (b - a) * static_cast<double>(i) /
                                                                  static_cast<double>(n - 1));
        values.push_back(cleanNumber(kind == "linspace" ? x : std::pow(10.0, x)).dump());
    }
    return values;
}

std::vector<std::string> axisFrom(const ordered_json& spec, const std::string& source,
                                  const std::string& field) {
    std::vector<std::string> values;
    if (spec.is_array()) {
        for (const auto& v : spec) values.push_back(json::parse(v.dump()).dump());
    } else if (spec.is_object() && spec.size() == 1 &&
               (spec.contains("linspace") || spec.contains("logspace"))) {
        values = generated(spec, source, field);
    } else {
        fail(source, field, "expected a list of values, {\"linspace\": [start, stop, n]} or "
                            "{\"logspace\": [start exponent, stop exponent, n]}, got " + spec.dump());
    }
    if (values.empty()) {
        fail(source, field, "an empty axis: give at least one value");
    }
    std::set<std::string> seen;
    for (const auto& v : values) {
        if (!seen.insert(v).second) {
            fail(source, field, "the value " + v + " appears twice (two runs would be the same)");
        }
    }
    return values;
}

bool isRelativePath(const std::string& value) {
    return value.find('/') != std::string::npos && value.rfind("synthetic:", 0) != 0 &&
           !fs::path(value).is_absolute();
}

// A path value is relative to the sweep file; --set would read it against the working directory.
std::string absolutised(const std::string& key, const std::string& valueJson, const fs::path& dir) {
    if (std::find(kPathKeys.begin(), kPathKeys.end(), key) == kPathKeys.end()) return valueJson;
    const json v = json::parse(valueJson);
    if (!v.is_string()) return valueJson;
    const std::string s = v.get<std::string>();
    const bool relative = key == "preference.scores" ? !s.empty() && !fs::path(s).is_absolute()
                                                     : isRelativePath(s);
    return relative ? json((dir / s).lexically_normal().string()).dump() : valueJson;
}

// What `--set key=value` gets for a value: a string as its text, anything else as its JSON.
std::string overrideSpec(const std::string& key, const std::string& valueJson) {
    const json v = json::parse(valueJson);
    return key + "=" + (v.is_string() ? v.get<std::string>() : valueJson);
}

// Checks a key (and the type of one of its values) with the --set code itself.
void checkKey(const fs::path& experiment, const std::string& key, const std::string& valueJson,
              const std::string& source, const std::string& field) {
    if (key == "name") {
        fail(source, field, "a sweep names its runs \"<sweep>/<point>\": set the sweep's own "
                            "\"name\" instead");
    }
    if (key == "extends") {
        fail(source, field, "\"extends\" cannot be varied: give the base as \"experiment\"");
    }
    try {
        ExperimentConfig::resolveJson(experiment, {overrideSpec(key, valueJson)});
    } catch (const Error& e) {
        fail(source, field, e.detail());
    }
}

std::vector<SweepAxis> readAxes(const ordered_json& j, const char* group, const std::string& source) {
    std::vector<SweepAxis> axes;
    const auto it = j.find(group);
    if (it == j.end()) return axes;
    if (!it->is_object()) {
        fail(source, group, "expected an object of key: values, got " + it->dump());
    }
    for (const auto& [key, spec] : it->items()) {
        axes.push_back({key, axisFrom(spec, source, std::string(group) + "." + key)});
    }
    return axes;
}

std::string valuesJson(const std::vector<std::string>& values) {
    json list = json::array();
    for (const auto& v : values) list.push_back(json::parse(v));
    return list.dump();
}

}  // namespace

json ResolvedExperiment::toJson() const { return config.toJson(); }

std::string displayValue(const std::string& jsonText) {
    const json v = json::parse(jsonText);
    return v.is_string() ? v.get<std::string>() : jsonText;
}

std::string sweepRunName(const std::string& sweepName, const SweepPoint& point) {
    std::string name = sweepName + "/";
    for (std::size_t i = 0; i < point.size(); ++i) {
        name += (i ? "," : "") + point[i].first + "=" + displayValue(point[i].second);
    }
    return name;
}

std::vector<std::string> sweepGroupByKeys(const std::vector<std::string>& variedKeys) {
    std::vector<std::string> keys;
    for (const auto& k : variedKeys) {
        if (k != "seed") keys.push_back(k);
    }
    return keys;
}

std::vector<std::string> experimentKeys() {
    std::vector<std::string> keys{"theta"};
    const json schema = ExperimentConfig{}.toJson();
    const auto walk = [&keys](const auto& self, const json& node, const std::string& prefix) -> void {
        for (const auto& [k, v] : node.items()) {
            const std::string key = prefix.empty() ? k : prefix + "." + k;
            if (v.is_object()) {
                self(self, v, key);
            } else {
                keys.push_back(key);
            }
        }
    };
    walk(walk, schema, "");
    keys.erase(std::remove(keys.begin(), keys.end(), std::string("name")), keys.end());
    std::sort(keys.begin(), keys.end());
    return keys;
}

std::vector<std::string> axisValues(const std::string& specJson, const std::string& source,
                                    const std::string& field) {
    ordered_json spec;
    try {
        spec = ordered_json::parse(specJson);
    } catch (const json::parse_error&) {
        fail(source, field, "not valid JSON: " + specJson);
    }
    return axisFrom(spec, source, field);
}

SweepConfig SweepConfig::load(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw Error({file.string(), 0, ""}, "cannot read the sweep file");
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str(), fs::absolute(file).parent_path(), file.string(), file.stem().string());
}

SweepConfig SweepConfig::parse(const std::string& jsonText, const fs::path& baseDir,
                               const std::string& source, const std::string& defaultName) {
    ordered_json j;
    try {
        j = ordered_json::parse(jsonText);
    } catch (const json::parse_error& e) {
        const std::string what = e.what();
        const auto colon = what.find("] ");
        throw Error({source, 0, ""},
                    "not valid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
    }
    if (!j.is_object()) fail(source, "", "expected a JSON object at the top level");
    for (const auto& [key, value] : j.items()) {
        if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key) == kTopLevelKeys.end()) {
            const std::string near = closestKey(key, kTopLevelKeys);
            fail(source, key, "unknown key \"" + key + "\" of a sweep file" +
                                  (near.empty() ? " (known: name, description, experiment, set, "
                                                  "grid, zip)"
                                                : " (did you mean \"" + near + "\"?)"));
        }
    }
    SweepConfig s;
    s.source = source;
    const auto text = [&](const char* key, const std::string& fallback) {
        const auto it = j.find(key);
        if (it == j.end()) return fallback;
        if (!it->is_string()) fail(source, key, "expected a string, got " + it->dump());
        return it->get<std::string>();
    };
    s.name = text("name", defaultName);
    if (s.name.empty()) fail(source, "name", "the sweep needs a name (its runs are named after it)");
    s.description = text("description", "");
    const std::string experiment = text("experiment", "");
    if (experiment.empty()) {
        fail(source, "experiment", "expected the path of the base experiment file (relative to "
                                   "the sweep file)");
    }
    s.experiment = fs::path(experiment).is_absolute() ? fs::path(experiment)
                                                      : (baseDir / experiment).lexically_normal();
    if (!fs::exists(s.experiment)) {
        fail(source, "experiment", "\"" + experiment + "\" does not exist (looked for " +
                                       s.experiment.string() + ")");
    }
    if (const auto it = j.find("set"); it != j.end()) {
        if (!it->is_object()) fail(source, "set", "expected an object of key: value, got " + it->dump());
        for (const auto& [key, value] : it->items()) {
            s.set.emplace_back(key, absolutised(key, json::parse(value.dump()).dump(), baseDir));
        }
    }
    s.grid = readAxes(j, "grid", source);
    s.zip = readAxes(j, "zip", source);
    for (auto* axes : {&s.grid, &s.zip}) {
        for (auto& axis : *axes) {
            for (auto& v : axis.values) v = absolutised(axis.key, v, baseDir);
        }
    }
    if (s.grid.empty() && s.zip.empty()) {
        fail(source, "grid", "a sweep needs at least one axis in \"grid\" or \"zip\"");
    }
    // Where each key was given, to refuse the same key twice.
    std::vector<std::pair<std::string, std::string>> seen;
    const auto claim = [&](const std::string& key, const std::string& field) {
        for (const auto& [k, f] : seen) {
            if (k == key) {
                fail(source, field, "\"" + key + "\" is also given as " + f +
                                        ": a key is set, gridded or zipped, once");
            }
        }
        seen.emplace_back(key, field);
    };
    for (const auto& [key, value] : s.set) {
        claim(key, "set." + key);
        checkKey(s.experiment, key, value, source, "set." + key);
    }
    for (const auto& axis : s.grid) {
        claim(axis.key, "grid." + axis.key);
        checkKey(s.experiment, axis.key, axis.values.front(), source, "grid." + axis.key);
    }
    for (const auto& axis : s.zip) {
        claim(axis.key, "zip." + axis.key);
        checkKey(s.experiment, axis.key, axis.values.front(), source, "zip." + axis.key);
        if (axis.values.size() != s.zip.front().values.size()) {
            fail(source, "zip." + axis.key,
                 "has " + std::to_string(axis.values.size()) + " values but zip." +
                     s.zip.front().key + " has " + std::to_string(s.zip.front().values.size()) +
                     ": zipped axes are taken side by side and need the same length");
        }
    }
    return s;
}

std::size_t SweepConfig::size() const {
    std::size_t n = 1;
    for (const auto& axis : grid) n *= axis.values.size();
    return zip.empty() ? n : n * zip.front().values.size();
}

std::vector<std::string> SweepConfig::variedKeys() const {
    std::vector<std::string> keys;
    for (const auto& axis : grid) keys.push_back(axis.key);
    for (const auto& axis : zip) keys.push_back(axis.key);
    return keys;
}

std::vector<SweepPoint> SweepConfig::points() const {
    std::vector<SweepPoint> result;
    const std::size_t zipLength = zip.empty() ? 1 : zip.front().values.size();
    const std::size_t total = size();
    result.reserve(total);
    for (std::size_t index = 0; index < total; ++index) {
        // Mixed-radix digits of the index: zip fastest, then the grid's last key.
        std::size_t rest = index / zipLength;
        const std::size_t zipIndex = index % zipLength;
        SweepPoint point(grid.size());
        for (std::size_t a = grid.size(); a-- > 0;) {
            const auto& values = grid[a].values;
            point[a] = {grid[a].key, values[rest % values.size()]};
            rest /= values.size();
        }
        for (const auto& axis : zip) point.emplace_back(axis.key, axis.values[zipIndex]);
        result.push_back(std::move(point));
    }
    return result;
}

std::vector<ResolvedExperiment> SweepConfig::expand() const {
    std::vector<ResolvedExperiment> result;
    std::size_t index = 0;
    for (auto& point : points()) {
        ResolvedExperiment r;
        r.index = index++;
        r.name = sweepRunName(name, point);
        for (const auto& [key, value] : set) r.overrides.push_back(overrideSpec(key, value));
        for (const auto& [key, value] : point) r.overrides.push_back(overrideSpec(key, value));
        r.overrides.push_back("name=" + r.name);
        r.point = std::move(point);
        try {
            r.config = ExperimentConfig::load(experiment, r.overrides);
        } catch (const Error& e) {
            throw Error({source, 0, ""}, "run " + r.name + ": " + e.what());
        }
        if (!description.empty() && r.config.description.empty()) r.config.description = description;
        result.push_back(std::move(r));
    }
    return result;
}

std::string SweepConfig::toJsonText() const {
    ordered_json j;
    j["name"] = name;
    if (!description.empty()) j["description"] = description;
    j["experiment"] = experiment.string();
    if (!set.empty()) {
        ordered_json o = ordered_json::object();
        for (const auto& [k, v] : set) o[k] = ordered_json::parse(v);
        j["set"] = o;
    }
    for (const auto& [group, axes] : {std::pair{"grid", &grid}, std::pair{"zip", &zip}}) {
        if (axes->empty()) continue;
        ordered_json o = ordered_json::object();
        for (const auto& axis : *axes) o[axis.key] = ordered_json::parse(valuesJson(axis.values));
        j[group] = o;
    }
    return j.dump(2);
}

std::string SweepConfig::axesJson() const {
    ordered_json j;
    for (const auto& [group, axes] : {std::pair{"grid", &grid}, std::pair{"zip", &zip}}) {
        ordered_json o = ordered_json::object();
        for (const auto& axis : *axes) o[axis.key] = ordered_json::parse(valuesJson(axis.values));
        j[group] = o;
    }
    ordered_json o = ordered_json::object();
    for (const auto& [k, v] : set) o[k] = ordered_json::parse(v);
    j["set"] = o;
    return j.dump();
}

}  // namespace flower::run
