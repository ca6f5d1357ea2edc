// TrainingSession: one run of `flower train`, `flower resume` or `flower demo` on the command
// line — a train::RunSession (assembly, store registration, controller) driven on its worker
// thread while this thread shows progress, turns Ctrl-C into a clean cancel (a resumable
// checkpoint, store status `cancelled`), and ends with a machine-readable summary.
// Output: progress and messages go to `out` (stderr when the caller prints JSON on stdout).
// Failure: flower::Error for configs, stores and data; a run that fails while training is
// reported in the summary (status "failed", the error) and makes the command exit non-zero.
#pragma once

#include "core/run/experiment_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace flower::cli {

struct SessionOptions {
    std::filesystem::path storeFile;        // the run store (created when missing)
    std::optional<std::int64_t> resumeRun;  // continue this run from its `last` checkpoint
    // Start this existing run instead of registering a new one: a queued run (a sweep's) starts
    // afresh, a cancelled/interrupted one continues from `last` when it has one.
    std::optional<std::int64_t> existingRun;
    std::FILE* out = stdout;                // progress and messages
    bool terminal = false;                  // redraw a bar (out is a terminal)
};

// Trains `config` to its end (or cancel/failure). The summary:
//   {"run_id", "name", "method", "status", "error"?, "steps", "losses": {name: value},
//    "divergences": {"title": {"kl_tr", "kl_rt", "js"}, "token": {...}}, "out_of_set",
//    "valid_loss", "median_step_seconds", "tokens_per_second", "checkpoint"}
nlohmann::ordered_json runTrainingSession(const run::ExperimentConfig& config,
                                          const SessionOptions& options);

// Installs the SIGINT / SIGTERM handler that turns Ctrl-C or `kill` into a cancel request
// (idempotent).
void installInterruptHandler();

}  // namespace flower::cli
