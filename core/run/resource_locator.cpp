#include "core/run/resource_locator.h"

#include "core/model/qwen2_presets.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <torch/cuda.h>

#include <cmath>
#include <cstdlib>

namespace flower::run {

namespace fs = std::filesystem;

namespace {

const char* nonEmptyEnv(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : nullptr;
}

bool isPath(const std::string& value) { return value.find('/') != std::string::npos; }

std::string listed(const std::vector<fs::path>& folders) {
    std::string out;
    for (const auto& f : folders) {
        out += (out.empty() ? "" : ", ") + f.string();
    }
    return out;
}

ErrorLocation field(const char* name) {
    ErrorLocation where;
    where.field = name;
    return where;
}

}  // namespace

bool isSyntheticSpec(const std::string& dataset) { return dataset.rfind("synthetic:", 0) == 0; }

data::SyntheticConfig parseSyntheticSpec(const std::string& spec) {
    if (!isSyntheticSpec(spec)) {
        throw Error(field("dataset"), "\"" + spec + "\" is not a synthetic: spec");
    }
    data::SyntheticConfig config;
    const std::string body = spec.substr(std::string("synthetic:").size());
    std::size_t start = 0;
    while (start < body.size()) {
        const std::size_t end = std::min(body.find(',', start), body.size());
        const std::string part = body.substr(start, end - start);
        start = end + 1;
        const auto eq = part.find('=');
        const std::string key = part.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : part.substr(eq + 1);
        char* rest = nullptr;
        const double number = std::strtod(value.c_str(), &rest);
        if (value.empty() || *rest != '\0' || !std::isfinite(number) || number < 0) {
            throw Error(field("dataset"), "synthetic spec part \"" + part +
                                              "\" is not key=value with a non-negative number");
        }
        if (key == "items") {
            config.items = static_cast<int>(number);
        } else if (key == "users") {
            config.users = static_cast<int>(number);
        } else if (key == "seed") {
            config.seed = static_cast<std::uint64_t>(number);
        } else if (key == "zipf") {
            config.zipf = number;
        } else {
            throw Error(field("dataset"), "synthetic spec key \"" + key +
                                              "\" is not one of items, users, seed, zipf");
        }
    }
    config.validate();
    return config;
}

std::vector<fs::path> datasetCandidates(const std::string& name) {
    std::vector<fs::path> out;
    if (const char* env = nonEmptyEnv("FLOWER_DATA_DIR")) out.push_back(fs::path(env) / name);
    out.push_back(util::cacheDir() / "data" / name);
    if (const auto shared = util::sharedDir()) out.push_back(*shared / "data" / name);
    return out;
}

fs::path resolveDatasetDir(const std::string& dataset) {
    std::error_code ec;
    if (isPath(dataset)) {
        if (!fs::is_directory(dataset, ec)) {
            throw Error(field("dataset"), "folder " + dataset + " does not exist");
        }
        return dataset;
    }
    const auto candidates = datasetCandidates(dataset);
    for (const auto& dir : candidates) {
        if (fs::is_directory(dir, ec)) return dir;
    }
    throw Error(field("dataset"), "dataset \"" + dataset + "\" is in none of " +
                                      listed(candidates) +
                                      " (give a folder path or set FLOWER_DATA_DIR)");
}

bool isModelPreset(const std::string& model) {
    for (const auto& preset : model::qwen2Presets()) {
        if (preset.name == model) return true;
    }
    return false;
}

std::vector<fs::path> modelCandidates(const std::string& name) {
    std::vector<fs::path> out;
    if (const char* env = nonEmptyEnv("FLOWER_MODELS_DIR")) out.push_back(fs::path(env) / name);
    out.push_back(util::cacheDir() / "models" / name);
    return out;
}

fs::path resolveModelDir(const std::string& model) {
    std::error_code ec;
    const auto candidates = isPath(model) ? std::vector<fs::path>{model} : modelCandidates(model);
    for (const auto& dir : candidates) {
        if (fs::is_regular_file(dir / "config.json", ec)) return dir;
    }
    throw Error(field("model"), "no Hugging Face model directory (with config.json) for \"" + model +
                                    "\"; looked in " + listed(candidates) +
                                    (isPath(model) ? "" : " (set FLOWER_MODELS_DIR or give a path)"));
}

std::string resolveDevice(DeviceChoice choice) {
    const bool cuda = torch::cuda::is_available();
    switch (choice) {
        case DeviceChoice::Cpu: return "cpu";
        case DeviceChoice::Cuda:
            if (!cuda) {
                throw Error(field("device"),
                            "cuda was asked for, but this build of LibTorch sees no CUDA device "
                            "(use --device cpu, or build against a CUDA LibTorch)");
            }
            return "cuda";
        case DeviceChoice::Auto: return cuda ? "cuda" : "cpu";
    }
    return "cpu";
}

}  // namespace flower::run
