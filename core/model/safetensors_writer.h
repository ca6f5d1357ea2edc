// Writes tensors in the safetensors format, as one file or as Hugging Face shards
// (model-0000k-of-0000n.safetensors + model.safetensors.index.json). Tensors are written
// byte for byte in their own dtype (callers convert first), from any device. Files are written
// to a temporary name and renamed, so a crash never leaves a half-written checkpoint under the
// final name. I/O failures throw flower::Error naming the file.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace flower::model {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Writes one file; tensors appear in the given order. Names must be unique.
void writeSafetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

// Hugging Face's default shard size limit.
inline constexpr std::uint64_t kDefaultMaxShardBytes = 5'000'000'000;

// Writes `<stem>.safetensors` when all tensors fit in `maxShardBytes`, else shards of at most
// that size (a single larger tensor gets a shard of its own) named like Hugging Face's, plus
// `<stem>.safetensors.index.json`. Removes stale files of the other layout. Returns the
// file names written (shards, then the index).
std::vector<std::string> writeShardedSafetensors(const std::filesystem::path& dir,
                                                 const NamedTensors& tensors,
                                                 std::uint64_t maxShardBytes = kDefaultMaxShardBytes,
                                                 const std::string& stem = "model");

}  // namespace flower::model
