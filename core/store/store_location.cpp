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

std::filesystem::path runDirectory(const std::filesystem::path& storeFile, std::int64_t runId) {
    const std::filesystem::path parent =
        storeFile.has_parent_path() ? storeFile.parent_path() : std::filesystem::path(".");
    return parent / "runs" / std::to_string(runId);
}

}  // namespace flower::store
