// ExperimentConfig from files: "extends" chains, --set overrides, path resolution.
#include "core/run/experiment_config.h"
#include "core/run/experiment_config_detail.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace flower::run {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kPathFields = {"dataset", "tokenizer", "model"};

bool isRelativePath(const std::string& value) {
    return value.find('/') != std::string::npos && value.rfind("synthetic:", 0) != 0 &&
           !fs::path(value).is_absolute();
}

// Relative paths in a layer are relative to where the layer was written.
void resolvePaths(json& layer, const fs::path& baseDir) {
    for (const auto& key : kPathFields) {
        const auto it = layer.find(key);
        if (it != layer.end() && it->is_string() && isRelativePath(it->get<std::string>())) {
            *it = (baseDir / it->get<std::string>()).lexically_normal().string();
        }
    }
    // preference.scores is always a file: any relative value is relative to the layer.
    const auto pref = layer.find("preference");
    if (pref != layer.end() && pref->is_object()) {
        const auto scores = pref->find("scores");
        if (scores != pref->end() && scores->is_string() && !scores->get<std::string>().empty() &&
            !fs::path(scores->get<std::string>()).is_absolute()) {
            *scores = (baseDir / scores->get<std::string>()).lexically_normal().string();
        }
    }
}

void eraseOrigins(detail::Origins& origins, const std::string& path) {
    const std::string prefix = path + ".";
    for (auto it = origins.lower_bound(prefix);
         it != origins.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
        it = origins.erase(it);
    }
}

// Overlays `layer` on `target`: objects merge key by key, anything else replaces.
void merge(json& target, const json& layer, detail::Origins& origins, const std::string& source,
           const std::string& prefix) {
    for (const auto& [key, value] : layer.items()) {
        const std::string path = prefix.empty() ? key : prefix + "." + key;
        if (prefix.empty() && key == "theta") {
            target.erase("lambda");  // the later layer's choice of weighting wins
        } else if (prefix.empty() && key == "lambda") {
            target.erase("theta");
        } else if (prefix == "preference" && (key == "run" || key == "scores")) {
            target.erase(key == "run" ? "scores" : "run");  // a run or a file: the later layer's
        }
        auto it = target.find(key);
        if (value.is_object() && it != target.end() && it->is_object()) {
            origins.emplace(path, source);  // keeps the first writer of the object itself
            merge(*it, value, origins, source, path);
        } else {
            target[key] = value;
            eraseOrigins(origins, path);
            origins[path] = source;
        }
    }
}

json readJsonFile(const fs::path& file, const std::string& shown) {
    std::ifstream in(file);
    if (!in) {
        throw Error({shown, 0, ""}, "cannot read the experiment file");
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        return json::parse(text.str());
    } catch (const json::parse_error& e) {
        // nlohmann's message already says "line L, column C".
        std::string what = e.what();
        const auto colon = what.find("] ");
        throw Error({shown, 0, ""}, "not valid JSON: " +
                                        (colon == std::string::npos ? what : what.substr(colon + 2)));
    }
}

json loadChain(const fs::path& file, const std::string& shown, std::vector<fs::path>& chain,
               std::vector<std::string>& shownChain, detail::Origins& origins) {
    const fs::path canonical = fs::weakly_canonical(fs::absolute(file));
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        std::string cycle;
        for (const auto& s : shownChain) {
            cycle += s + " → ";
        }
        throw Error({shownChain.back(), 0, "extends"}, "extends cycle: " + cycle + shown);
    }
    chain.push_back(canonical);
    shownChain.push_back(shown);
    json layer = readJsonFile(file, shown);
    if (!layer.is_object()) {
        throw Error({shown, 0, ""}, "expected a JSON object at the top level");
    }
    if (layer.contains("lambda") && layer.contains("theta")) {
        throw Error({shown, 0, "theta"},
                    "give either lambda (L = L_SFT + λ·L_SubTB) or theta (θ = 1/(1+λ)), not both");
    }
    json merged = json::object();
    if (const auto it = layer.find("extends"); it != layer.end()) {
        if (!it->is_string() || it->get<std::string>().empty()) {
            throw Error({shown, 0, "extends"},
                        "expected the path of another experiment file, got " + it->dump());
        }
        const fs::path parent = fs::path(it->get<std::string>()).is_absolute()
                                    ? fs::path(it->get<std::string>())
                                    : file.parent_path() / it->get<std::string>();
        const std::string parentShown = parent.lexically_normal().string();
        if (!fs::exists(parent)) {
            throw Error({shown, 0, "extends"}, "\"" + it->get<std::string>() +
                                                   "\" does not exist (looked for " +
                                                   parentShown + ")");
        }
        merged = loadChain(parent, parentShown, chain, shownChain, origins);
        layer.erase(it);
    }
    resolvePaths(layer, fs::absolute(file).parent_path());
    merge(merged, layer, origins, shown, "");
    chain.pop_back();
    shownChain.pop_back();
    return merged;
}

// Applies one "key.sub=value"; the schema (a default config) says which keys exist and which
// values are strings (kept verbatim) and which are JSON.
void applyOverride(json& merged, const std::string& spec, detail::Origins& origins) {
    const std::string source = "--set " + spec;
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
        throw Error({"--set", 0, ""}, "expected key.sub=value, got \"" + spec + "\"");
    }
    const std::string key = spec.substr(0, eq);
    const std::string raw = spec.substr(eq + 1);
    std::vector<std::string> parts;
    std::stringstream ss(key);
    for (std::string part; std::getline(ss, part, '.');) {
        if (part.empty()) {
            throw Error({"--set", 0, key}, "empty part in the key \"" + key + "\"");
        }
        parts.push_back(part);
    }
    json schema = ExperimentConfig{}.toJson();
    schema["theta"] = 0.999;
    const json* node = &schema;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (!node->is_object() || !node->contains(parts[i])) {
            std::vector<std::string> known;
            if (node->is_object()) {
                for (const auto& [k, v] : node->items()) {
                    known.push_back(k);
                }
            }
            const std::string near = closestKey(parts[i], known);
            throw Error({"--set", 0, key}, "unknown key \"" + parts[i] + "\"" +
                                               (near.empty() ? "" : " (did you mean \"" + near + "\"?)"));
        }
        node = &(*node)[parts[i]];
    }
    json value;
    if (node->is_string()) {
        value = raw;
    } else {
        try {
            value = json::parse(raw);
        } catch (const json::parse_error&) {
            value = raw;  // validation then says what type was expected
        }
    }
    if (parts.size() == 1 && value.is_string() &&
        std::find(kPathFields.begin(), kPathFields.end(), parts[0]) != kPathFields.end() &&
        isRelativePath(value.get<std::string>())) {
        value = (fs::current_path() / value.get<std::string>()).lexically_normal().string();
    }
    if (parts.size() == 2 && parts[0] == "preference" && parts[1] == "scores" && value.is_string() &&
        !value.get<std::string>().empty() && !fs::path(value.get<std::string>()).is_absolute()) {
        value = (fs::current_path() / value.get<std::string>()).lexically_normal().string();
    }
    // Build {"a": {"b": value}} and merge it like a file layer.
    json layer = value;
    for (std::size_t i = parts.size(); i-- > 0;) {
        layer = json{{parts[i], layer}};
    }
    merge(merged, layer, origins, source, "");
}

json resolveTracked(const fs::path& file, const std::vector<std::string>& overrides,
                    detail::Origins& origins) {
    std::vector<fs::path> chain;
    std::vector<std::string> shownChain;
    json merged = loadChain(file, file.string(), chain, shownChain, origins);
    for (const auto& spec : overrides) {
        applyOverride(merged, spec, origins);
    }
    if (!merged.contains("name") || (merged["name"].is_string() && merged["name"].empty())) {
        merged["name"] = file.stem().string();
    }
    return merged;
}

}  // namespace

json ExperimentConfig::resolveJson(const fs::path& file, const std::vector<std::string>& overrides) {
    detail::Origins origins;
    return resolveTracked(file, overrides, origins);
}

ExperimentConfig ExperimentConfig::load(const fs::path& file,
                                        const std::vector<std::string>& overrides) {
    detail::Origins origins;
    const json merged = resolveTracked(file, overrides, origins);
    return detail::parseTracked(merged, origins, file.string());
}

}  // namespace flower::run
