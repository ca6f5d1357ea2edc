#include "core/model/checkpoint_reader.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

namespace flower::model {

namespace {

bool isPickleName(const std::string& name) {
    auto endsWith = [&](const std::string& suffix) {
        return name.size() >= suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return endsWith(".bin") || endsWith(".pt") || endsWith(".pth") || endsWith(".ckpt") ||
           endsWith(".pkl") || name == "pytorch_model.bin.index.json";
}

[[noreturn]] void refuse(const std::filesystem::path& where, const std::string& found) {
    throw Error({where.string(), 0, ""},
                "holds a PyTorch pickle checkpoint (" + found +
                    "); pickles are never loaded because unpickling can run arbitrary code. "
                    "Convert it to safetensors, e.g. in Python: AutoModelForCausalLM."
                    "from_pretrained(dir).save_pretrained(out, safe_serialization=True)");
}

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw Error({path.string(), 0, ""}, "cannot open");
    }
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error({path.string(), 0, ""}, std::string("not valid JSON: ") + e.what());
    }
}

}  // namespace

void refusePickleCheckpoint(const std::filesystem::path& path) {
    if (std::filesystem::is_regular_file(path)) {
        if (isPickleName(path.filename().string())) {
            refuse(path, path.filename().string());
        }
        return;
    }
    if (!std::filesystem::is_directory(path)) {
        return;
    }
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
        const std::string name = entry.path().filename().string();
        if (isPickleName(name)) {
            refuse(path, name);
        }
    }
}

CheckpointReader::CheckpointReader(const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) {
        throw Error({path.string(), 0, ""}, "no such file or directory");
    }
    std::vector<std::filesystem::path> files;
    std::map<std::string, std::string> indexMap;  // tensor → shard file name, when sharded
    std::filesystem::path indexPath;
    if (std::filesystem::is_regular_file(path)) {
        refusePickleCheckpoint(path);
        directory_ = path.parent_path();
        files.push_back(path);
    } else {
        directory_ = path;
        const auto single = path / "model.safetensors";
        indexPath = path / "model.safetensors.index.json";
        if (std::filesystem::exists(single)) {
            files.push_back(single);
        } else if (std::filesystem::exists(indexPath)) {
            const nlohmann::json index = readJson(indexPath);
            if (!index.is_object() || !index.contains("weight_map") ||
                !index.at("weight_map").is_object()) {
                throw Error({indexPath.string(), 0, "weight_map"},
                            "expected an object {tensor name: shard file}");
            }
            std::set<std::string> shardNames;
            for (const auto& [tensor, file] : index.at("weight_map").items()) {
                if (!file.is_string()) {
                    throw Error({indexPath.string(), 0, "weight_map." + tensor},
                                "expected a shard file name, got " + file.dump());
                }
                const std::string name = file.get<std::string>();
                // Shards live next to the index; a path would let a checkpoint read elsewhere.
                if (name.empty() || name.find('/') != std::string::npos || name == "." ||
                    name == ".." || name.find('\\') != std::string::npos) {
                    throw Error({indexPath.string(), 0, "weight_map." + tensor},
                                "shard \"" + name + "\" must be a plain file name");
                }
                indexMap[tensor] = name;
                if (shardNames.insert(name).second) {
                    files.push_back(path / name);
                }
            }
        } else {
            refusePickleCheckpoint(path);
            throw Error({path.string(), 0, ""},
                        "no model.safetensors or model.safetensors.index.json in this directory");
        }
    }
    for (const auto& file : files) {
        if (!std::filesystem::exists(file)) {
            throw Error({file.string(), 0, ""},
                        "shard listed in " + indexPath.filename().string() + " is missing");
        }
        shards_.emplace_back(file);
        const std::size_t shard = shards_.size() - 1;
        for (const auto& e : shards_.back().header().tensors) {
            if (!where_.emplace(e.name, shard).second) {
                throw Error({file.string(), 0, "tensor " + e.name},
                            "also stored in " + shards_[where_.at(e.name)].path().string());
            }
        }
    }
    for (const auto& [tensor, file] : indexMap) {
        const auto it = where_.find(tensor);
        if (it == where_.end() || shards_[it->second].path().filename() != file) {
            throw Error({indexPath.string(), 0, "weight_map." + tensor},
                        "the index places this tensor in " + file + ", which does not hold it");
        }
    }
}

std::vector<std::filesystem::path> CheckpointReader::files() const {
    std::vector<std::filesystem::path> out;
    for (const auto& s : shards_) {
        out.push_back(s.path());
    }
    return out;
}

std::vector<std::string> CheckpointReader::names() const {
    std::vector<std::string> out;
    for (const auto& [name, shard] : where_) {
        out.push_back(name);
    }
    return out;
}

std::size_t CheckpointReader::shardOf(const std::string& name) const {
    const auto it = where_.find(name);
    if (it == where_.end()) {
        throw Error({directory_.string(), 0, "tensor " + name},
                    "the checkpoint has no tensor of this name");
    }
    return it->second;
}

const SafetensorsEntry& CheckpointReader::entry(const std::string& name) const {
    return shards_[shardOf(name)].entry(name);
}

const std::filesystem::path& CheckpointReader::fileOf(const std::string& name) const {
    return shards_[shardOf(name)].path();
}

at::Tensor CheckpointReader::tensor(const std::string& name) const {
    return shards_[shardOf(name)].tensor(name);
}

}  // namespace flower::model
