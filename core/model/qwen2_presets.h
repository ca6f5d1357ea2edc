// Named tiny Qwen2 architectures for training from scratch on a CPU over a compacted
// vocabulary. The vocabulary size (and bos/eos ids) come from the caller, e.g. from the
// tokenizer's VocabularyMap; everything else is fixed by the preset's name.
#pragma once

#include "core/model/qwen2_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flower::model {

struct Qwen2Preset {
    std::string name;         // e.g. "tiny"
    std::string description;  // one line for `flower model-presets`
    Qwen2Config config;       // vocabSize 0: filled in by qwen2Preset()
};

// All presets, smallest first. "tiny" is the CPU default.
const std::vector<Qwen2Preset>& qwen2Presets();

inline constexpr const char* kDefaultQwen2Preset = "tiny";

// The preset's config with the given vocabulary. Throws flower::Error for an unknown name
// (listing the known ones) or ids outside the vocabulary.
Qwen2Config qwen2Preset(const std::string& name, std::int64_t vocabSize,
                        std::optional<std::int64_t> bosTokenId = std::nullopt,
                        std::vector<std::int64_t> eosTokenIds = {});

}  // namespace flower::model
