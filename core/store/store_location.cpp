#include "core/store/store_location.h"

#include <cstdlib>

namespace flower::store {

std::filesystem::path defaultStorePath(const std::optional<std::filesystem::path>& experimentFile) {
    namespace fs = std::filesystem;
    if (experimentFile) {
        return experimentFile->parent_path() / "runs.sqlite";
    }
    if (const char* env = std::getenv("FLOWER_RUNS_DB"); env && *env) {
        return env;
    }
    std::error_code ec;
    if (fs::is_directory("experiments", ec)) {
        return fs::path("experiments") / "runs.sqlite";
    }
    return "runs.sqlite";
}

}  // namespace flower::store
