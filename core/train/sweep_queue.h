// queueSweep: registers a sweep and every resolved experiment of it in the run store, in one
// transaction — a sweep row (its file, varied keys and axes) and one `queued` run per point, in
// expansion order, each naming the sweep and its point. Nothing is assembled or started: the
// workbench's run queue or `flower sweep` start them (RunSession with the run id).
// Failure: flower::Error from the store; on failure nothing of the sweep is left in the store.
#pragma once

#include "core/run/sweep_config.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flower::train {

struct QueuedSweep {
    std::int64_t sweepId = 0;
    std::vector<std::int64_t> runIds;  // in expansion order
};

// `sweepFile` is what the sweeps row records ("" when the sweep came from the editor).
QueuedSweep queueSweep(const std::filesystem::path& storeFile, const run::SweepConfig& sweep,
                       const std::vector<run::ResolvedExperiment>& experiments,
                       const std::string& sweepFile);

// A point as the runs table keeps it: {"lambda":0.1,"seed":2}, keys in the sweep's order.
std::string sweepPointJson(const run::SweepPoint& point);

}  // namespace flower::train
