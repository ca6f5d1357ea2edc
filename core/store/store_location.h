// Where the run store of a workspace lives when nobody says: the rule shared by the CLI, the
// GUI and the run controller.
//   1. a run started from an experiment file writes to runs.sqlite beside that file;
//   2. otherwise $FLOWER_RUNS_DB when set;
//   3. otherwise ./experiments/runs.sqlite when ./experiments is a folder (a workspace root);
//   4. otherwise ./runs.sqlite.
// An explicit --db always wins (callers check it before calling this).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

namespace flower::store {

std::filesystem::path defaultStorePath(
    const std::optional<std::filesystem::path>& experimentFile = std::nullopt);

// The folder of a run's checkpoints and files: <store folder>/runs/<id>.
std::filesystem::path runDirectory(const std::filesystem::path& storeFile, std::int64_t runId);

}  // namespace flower::store
