// The tensors of a Hugging Face checkpoint directory: `model.safetensors`, or shards listed by
// `model.safetensors.index.json`, opened together as one name → tensor table (each shard
// memory-mapped and validated on open). PyTorch pickles (`pytorch_model.bin`, `*.pt`) are
// refused with a message to convert them, never loaded: unpickling runs arbitrary code.
// Every inconsistency (missing shard, a tensor the index places in the wrong shard, the same
// name in two shards, a shard name with a path in it) throws flower::Error naming the file.
#pragma once

#include "core/model/safetensors_reader.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flower::model {

class CheckpointReader {
public:
    // `path` is a checkpoint directory or a single .safetensors file.
    explicit CheckpointReader(const std::filesystem::path& path);

    const std::filesystem::path& directory() const { return directory_; }
    // The files opened, in order.
    std::vector<std::filesystem::path> files() const;
    bool contains(const std::string& name) const { return where_.count(name) > 0; }
    // All tensor names, sorted.
    std::vector<std::string> names() const;
    const SafetensorsEntry& entry(const std::string& name) const;
    // The file holding `name` (for messages).
    const std::filesystem::path& fileOf(const std::string& name) const;
    // A CPU view of the stored tensor (see SafetensorsReader::tensor).
    at::Tensor tensor(const std::string& name) const;

private:
    std::size_t shardOf(const std::string& name) const;

    std::filesystem::path directory_;
    std::vector<SafetensorsReader> shards_;
    std::map<std::string, std::size_t> where_;
};

// Throws flower::Error if `path` is (or `dir` holds only) a PyTorch pickle checkpoint.
void refusePickleCheckpoint(const std::filesystem::path& path);

}  // namespace flower::model
