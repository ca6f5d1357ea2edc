#include "core/util/paths.h"

#include "flower/build_info.h"

#include <cstdlib>

namespace flower::util {

namespace fs = std::filesystem;

namespace {
const char* nonEmptyEnv(const char* name) {
    const char* value = std::getenv(name);
    return (value != nullptr && *value != '\0') ? value : nullptr;
}
}  // namespace

fs::path cacheDir() {
    if (const char* dir = nonEmptyEnv("FLOWER_CACHE_DIR")) {
        return dir;
    }
    if (const char* xdg = nonEmptyEnv("XDG_CACHE_HOME")) {
        return fs::path(xdg) / "flower-workbench";
    }
    if (const char* home = nonEmptyEnv("HOME")) {
        return fs::path(home) / ".cache" / "flower-workbench";
    }
    return fs::temp_directory_path() / "flower-workbench";
}

fs::path defaultTokenizerPath() {
    if (const char* file = nonEmptyEnv("FLOWER_TOKENIZER")) {
        return file;
    }
    return cacheDir() / "tokenizer-qwen3-3.7.2" / "tokenizer.json";
}

std::optional<fs::path> sharedDir() {
    fs::path dir;
    if (const char* env = nonEmptyEnv("FLOWER_SHARED_DIR")) {
        dir = env;
    } else {
        dir = fs::path(build::kSourceDir).parent_path() / "shared";
    }
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return std::nullopt;
    }
    return fs::weakly_canonical(dir, ec);
}

}  // namespace flower::util
