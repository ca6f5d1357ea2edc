#include "core/train/sweep_queue.h"

#include "core/store/run_store.h"
#include "core/store/sqlite_database.h"

#include <nlohmann/json.hpp>

namespace flower::train {

std::string sweepPointJson(const run::SweepPoint& point) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [key, value] : point) j[key] = nlohmann::ordered_json::parse(value);
    return j.dump();
}

QueuedSweep queueSweep(const std::filesystem::path& storeFile, const run::SweepConfig& sweep,
                       const std::vector<run::ResolvedExperiment>& experiments,
                       const std::string& sweepFile) {
    store::RunStore runs(storeFile);
    // One transaction: a half-queued sweep would start a part of its points.
    store::Transaction transaction(runs.database());
    QueuedSweep queued;
    store::NewSweep row;
    row.name = sweep.name;
    row.file = sweepFile;
    row.variedKeys = sweep.variedKeys();
    row.axesJson = sweep.axesJson();
    queued.sweepId = runs.createSweep(row);
    for (const auto& e : experiments) {
        store::NewRun run;
        run.name = e.name;
        run.configJson = e.config.toJson().dump();
        run.method = std::string(run::toString(e.config.method));
        run.dataset = e.config.dataset;
        run.seed = e.config.seed;
        run.device = std::string(run::toString(e.config.device));
        run.sweepId = queued.sweepId;
        run.sweepPoint = sweepPointJson(e.point);
        queued.runIds.push_back(runs.createRun(run));
    }
    transaction.commit();
    return queued;
}

}  // namespace flower::train
