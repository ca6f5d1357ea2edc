// Where the programs find files they were not given explicitly: the tokenizer fetched by
// scripts/setup.sh, and ../shared (development data; absent on a user's machine).
#pragma once

#include <filesystem>
#include <optional>

namespace flower::util {

// $FLOWER_CACHE_DIR, else $XDG_CACHE_HOME/flower-workbench, else ~/.cache/flower-workbench.
std::filesystem::path cacheDir();

// The default tokenizer.json: $FLOWER_TOKENIZER when set, else the file scripts/setup.sh
// keeps at cacheDir()/tokenizer-qwen3-3.7.2/tokenizer.json (Qwen2.5's vocabulary and merges).
std::filesystem::path defaultTokenizerPath();

// The shared development data: $FLOWER_SHARED_DIR, else <source dir>/../shared; nullopt when
// the folder does not exist (tests then skip with a message).
std::optional<std::filesystem::path> sharedDir();

}  // namespace flower::util
