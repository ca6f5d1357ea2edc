// Loading and saving Qwen2ForCausalLM as a Hugging Face model directory: config.json plus
// model.safetensors (or shards + index). Loading is a name table: every entry of
// named_parameters() must be in the checkpoint with the shape the config implies; stored
// F32/BF16/F16 tensors are converted to the run's dtype while being copied from the memory map.
// Missing tensors, shapes that disagree with the config, non-float tensors and tensors that
// belong to no parameter throw flower::Error naming the file and tensor.
#pragma once

#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/safetensors_writer.h"

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <optional>

namespace flower::model {

class CheckpointReader;

struct LoadOptions {
    c10::ScalarType dtype = c10::kFloat;  // dtype the parameters get (the run's dtype)
    c10::Device device = c10::kCPU;       // device the parameters live on
};

struct SaveOptions {
    std::optional<c10::ScalarType> dtype;               // stored dtype; default: the parameters'
    std::uint64_t maxShardBytes = kDefaultMaxShardBytes;  // shard above this many bytes
};

// Reads `dir`/config.json and the weights. Pickle checkpoints are refused (see CheckpointReader).
Qwen2ForCausalLM loadQwen2(const std::filesystem::path& dir, const LoadOptions& options = {});

// Copies the checkpoint's tensors into an existing model's parameters (same name table).
void loadQwen2Weights(Qwen2ForCausalLMImpl& model, const CheckpointReader& checkpoint);

// Writes config.json (torch_dtype set to the stored dtype, unknown fields of the loaded config
// kept) and the weights. Creates `dir` when needed; replaces an earlier checkpoint there.
void saveQwen2(Qwen2ForCausalLMImpl& model, const std::filesystem::path& dir,
               const SaveOptions& options = {});

// "float32" / "bfloat16" / "float16" ↔ LibTorch dtype (flower::Error for anything else).
c10::ScalarType dtypeFromName(const std::string& name);
std::string dtypeToName(c10::ScalarType dtype);

}  // namespace flower::model
