// `flower sweep FILE.json [--db F] [--dry-run] [--json]`: a sweep file (core/run/sweep_config.h)
// expanded into its resolved experiments; --dry-run prints them (name and varied fields; with
// --json every resolved config), otherwise they are all queued into the store as one sweep and
// then run one after another in this process. `--continue SWEEP` runs what an earlier sweep
// left: its queued runs, and its cancelled or interrupted ones from their last checkpoint.
// A queued run that another process (the workbench's queue, a second `flower sweep`) started
// in the meantime is skipped. Ctrl-C cancels the current run as in `flower train` (a resumable
// checkpoint) and stops the sweep; the rest stay queued for `--continue`.
// Exit status: 0 when every run it ran finished, 1 on an error before training, 3 when a run
// failed or was cancelled.
#include "command.h"
#include "training_session.h"

#include "core/run/sweep_config.h"
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "core/train/run_session.h"
#include "core/train/sweep_queue.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace store = flower::store;
using flower::Error;
using nlohmann::ordered_json;

struct SweepArgs {
    std::string file;
    std::string db;
    std::int64_t continueSweep = 0;
    bool dryRun = false;
    bool json = false;
};

// A table of the points: index, one column per varied key, the run name.
void printPoints(const flower::run::SweepConfig& sweep,
                 const std::vector<flower::run::ResolvedExperiment>& experiments) {
    const auto keys = sweep.variedKeys();
    std::vector<std::size_t> widths;
    for (std::size_t k = 0; k < keys.size(); ++k) {
        std::size_t w = keys[k].size();
        for (const auto& e : experiments) {
            w = std::max(w, flower::run::displayValue(e.point[k].second).size());
        }
        widths.push_back(w);
    }
    std::printf("sweep %s: %zu experiments from %s\n", sweep.name.c_str(), experiments.size(),
                sweep.experiment.c_str());
    std::printf("%4s", "#");
    for (std::size_t k = 0; k < keys.size(); ++k) std::printf("  %-*s", static_cast<int>(widths[k]), keys[k].c_str());
    std::printf("  name\n");
    for (const auto& e : experiments) {
        std::printf("%4zu", e.index + 1);
        for (std::size_t k = 0; k < keys.size(); ++k) {
            std::printf("  %-*s", static_cast<int>(widths[k]),
                        flower::run::displayValue(e.point[k].second).c_str());
        }
        std::printf("  %s\n", e.name.c_str());
    }
}

ordered_json pointsJson(const flower::run::SweepConfig& sweep,
                        const std::vector<flower::run::ResolvedExperiment>& experiments) {
    ordered_json j;
    j["sweep"] = sweep.name;
    j["experiment"] = sweep.experiment.string();
    j["size"] = experiments.size();
    j["varied"] = sweep.variedKeys();
    ordered_json list = ordered_json::array();
    for (const auto& e : experiments) {
        ordered_json item;
        item["index"] = e.index;
        item["name"] = e.name;
        item["point"] = ordered_json::parse(flower::train::sweepPointJson(e.point));
        item["overrides"] = e.overrides;
        item["config"] = ordered_json::parse(e.toJson().dump());
        list.push_back(item);
    }
    j["experiments"] = list;
    return j;
}

// Runs the sweep's runs in order; returns one summary per run (skipped ones say so).
std::vector<ordered_json> runAll(const fs::path& storeFile, std::int64_t sweepId,
                                 const std::vector<std::int64_t>& ids, bool json) {
    std::FILE* out = json ? stderr : stdout;
    std::vector<ordered_json> summaries;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::int64_t id = ids[i];
        const store::RunInfo info = store::RunStore(storeFile).run(id);
        const bool startable = info.status == store::RunStatus::Queued ||
                               info.status == store::RunStatus::Cancelled ||
                               info.status == store::RunStatus::Interrupted;
        if (!startable) {
            std::fprintf(out, "[%zu/%zu] run %lld (%s) is %s: skipped\n", i + 1, ids.size(),
                         static_cast<long long>(id), info.name.c_str(),
                         std::string(store::toString(info.status)).c_str());
            summaries.push_back({{"run_id", id}, {"name", info.name}, {"status", "skipped"},
                                 {"state", std::string(store::toString(info.status))}});
            continue;
        }
        std::fprintf(out, "[%zu/%zu] run %lld: %s\n", i + 1, ids.size(), static_cast<long long>(id),
                     info.name.c_str());
        std::fflush(out);
        flower::cli::SessionOptions options;
        options.storeFile = storeFile;
        options.existingRun = id;
        options.out = out;
        options.terminal = ::isatty(::fileno(out)) != 0;
        ordered_json summary;
        try {
            summary = flower::cli::runTrainingSession(flower::train::experimentOfRun(storeFile, id),
                                                      options);
        } catch (const Error& e) {
            // Another process took the run between our look and the start: not ours to run.
            const store::RunInfo now = store::RunStore(storeFile).run(id);
            if (now.status == store::RunStatus::Running || now.status == store::RunStatus::Finished) {
                std::fprintf(out, "  run %lld was started elsewhere: skipped\n", static_cast<long long>(id));
                summaries.push_back({{"run_id", id}, {"name", info.name}, {"status", "skipped"},
                                     {"state", std::string(store::toString(now.status))}});
                continue;
            }
            // The assembly failed (RunSession marked it failed): the other points still run.
            std::fprintf(out, "  run %lld failed before training: %s\n", static_cast<long long>(id), e.what());
            summary = {{"run_id", id}, {"name", info.name}, {"status", "failed"}, {"error", e.what()}};
        }
        summaries.push_back(summary);
        if (summary.value("status", "") == "cancelled") {
            std::size_t left = ids.size() - i - 1;
            std::fprintf(out, "sweep stopped; %zu run(s) left queued (continue with `flower sweep "
                              "--continue %lld --db %s`)\n",
                         left, static_cast<long long>(sweepId), storeFile.c_str());
            break;
        }
    }
    return summaries;
}

void report(const ordered_json& head, const std::vector<ordered_json>& summaries, bool json) {
    if (json) {
        ordered_json all = head;
        all["runs"] = summaries;
        std::printf("%s\n", all.dump().c_str());
    } else {
        std::printf("sweep %lld (%s):\n", static_cast<long long>(head["sweep_id"].get<std::int64_t>()),
                    head["name"].get<std::string>().c_str());
        for (const auto& s : summaries) {
            std::string loss;
            if (s.contains("losses") && s["losses"].contains("loss/total")) {
                char buffer[48];
                std::snprintf(buffer, sizeof buffer, ", loss/total %.4f", s["losses"]["loss/total"].get<double>());
                loss = buffer;
            }
            std::printf("  run %lld  %-10s %s%s\n", static_cast<long long>(s["run_id"].get<std::int64_t>()),
                        s["status"].get<std::string>().c_str(), s["name"].get<std::string>().c_str(),
                        loss.c_str());
        }
    }
    for (const auto& s : summaries) {
        const std::string status = s.value("status", "");
        if (status != "finished" && status != "skipped") throw CLI::RuntimeError(3);
    }
}

const flower::cli::Registration kSweep(13, [](CLI::App& root) {
    auto a = std::make_shared<SweepArgs>();
    auto* cmd = root.add_subcommand(
        "sweep", "Expand a sweep file (grid × zip over experiment fields), queue its experiments "
                 "and run them one after another");
    cmd->add_option("file", a->file, "Sweep file: {\"experiment\": \"base.json\", \"set\": {…}, "
                                     "\"grid\": {\"lambda\": [0.01, 0.1], \"seed\": [1, 2, 3]}, "
                                     "\"zip\": {…}}");
    cmd->add_option("--db", a->db, "Run store (SQLite); default: runs.sqlite beside the sweep "
                                   "file, $FLOWER_RUNS_DB, or ./experiments/runs.sqlite");
    cmd->add_flag("--dry-run", a->dryRun, "Print the resolved experiments; queue nothing");
    cmd->add_option("--continue", a->continueSweep,
                    "Run what sweep ID (see `flower runs`) left: queued, cancelled, interrupted runs");
    cmd->add_flag("--json", a->json, "JSON on stdout (with --dry-run: every resolved config); "
                                     "progress goes to stderr");
    cmd->callback([a] {
        if (a->continueSweep > 0) {
            if (!a->file.empty() || a->dryRun) {
                throw Error({"--continue", 0, ""}, "give either a sweep file or --continue SWEEP");
            }
            const fs::path storeFile = a->db.empty() ? store::defaultStorePath() : fs::path(a->db);
            store::StoreOptions options;
            options.create = false;
            store::RunStore runs(storeFile, options);
            const auto sweep = runs.findSweep(a->continueSweep);
            if (!sweep) {
                throw Error({storeFile.string(), 0, "--continue"},
                            "no sweep with id " + std::to_string(a->continueSweep));
            }
            const auto ids = runs.sweepRuns(sweep->id);
            ordered_json head{{"sweep_id", sweep->id}, {"name", sweep->name}};
            report(head, runAll(storeFile, sweep->id, ids, a->json), a->json);
            return;
        }
        if (a->file.empty()) {
            throw Error({"sweep", 0, "file"}, "expected a sweep file (or --continue SWEEP)");
        }
        const auto sweep = flower::run::SweepConfig::load(a->file);
        const auto experiments = sweep.expand();
        if (a->dryRun) {
            if (a->json) {
                std::printf("%s\n", pointsJson(sweep, experiments).dump().c_str());
            } else {
                printPoints(sweep, experiments);
            }
            return;
        }
        const fs::path storeFile =
            a->db.empty() ? store::defaultStorePath(fs::path(a->file)) : fs::path(a->db);
        const auto queued = flower::train::queueSweep(storeFile, sweep, experiments,
                                                      fs::absolute(a->file).lexically_normal().string());
        std::fprintf(a->json ? stderr : stdout, "queued sweep %lld (%s): %zu runs into %s\n",
                     static_cast<long long>(queued.sweepId), sweep.name.c_str(), queued.runIds.size(),
                     storeFile.c_str());
        ordered_json head{{"sweep_id", queued.sweepId}, {"name", sweep.name}};
        report(head, runAll(storeFile, queued.sweepId, queued.runIds, a->json), a->json);
    });
});

}  // namespace
