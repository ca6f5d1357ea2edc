// `flower train`, `flower resume RUN`, `flower demo`: training runs from the command line.
// Progress goes to stdout (a redrawn bar on a terminal, plain lines otherwise), or to stderr with
// --json, whose stdout is then exactly one JSON document. Ctrl-C cancels after the current step
// and leaves a run that `flower resume` continues. Exit status: 0 when every run finished,
// 1 on an error before training, 3 when a run failed or was cancelled.
#include "command.h"
#include "demo_experiment.h"
#include "training_session.h"

#include "core/run/experiment_config.h"
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "core/train/run_session.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using flower::Error;
using nlohmann::ordered_json;

struct TrainArgs {
    std::string experiment;
    std::vector<std::string> overrides;
    std::string db;
    std::string device;
    std::int64_t run = 0;
    bool json = false;
};

void addCommonOptions(CLI::App* cmd, TrainArgs& a) {
    cmd->add_option("--db", a.db, "Run store (SQLite); default: runs.sqlite beside the experiment "
                                  "file, $FLOWER_RUNS_DB, or ./experiments/runs.sqlite");
    cmd->add_flag("--json", a.json, "Print one JSON summary on stdout (progress goes to stderr)");
}

std::vector<std::string> withDevice(std::vector<std::string> overrides, const std::string& device) {
    if (!device.empty()) overrides.push_back("device=" + device);
    return overrides;
}

flower::cli::SessionOptions sessionOptions(const fs::path& store, bool json) {
    flower::cli::SessionOptions o;
    o.storeFile = store;
    o.out = json ? stderr : stdout;
    o.terminal = ::isatty(::fileno(o.out)) != 0;
    return o;
}

bool succeeded(const ordered_json& summary) { return summary.value("status", "") == "finished"; }

void printHuman(const ordered_json& s, std::FILE* out) {
    std::fprintf(out, "run %lld (%s, %s): %s after %lld steps\n",
                 static_cast<long long>(s["run_id"].get<std::int64_t>()),
                 s["name"].get<std::string>().c_str(), s["method"].get<std::string>().c_str(),
                 s["status"].get<std::string>().c_str(),
                 static_cast<long long>(s["steps"].get<std::int64_t>()));
    if (s.contains("error")) std::fprintf(out, "  error: %s\n", s["error"].get<std::string>().c_str());
    std::fprintf(out, "  median step %.3f s, %.0f tokens/s\n", s["median_step_seconds"].get<double>(),
                 s["tokens_per_second"].get<double>());
}

// The demo's table: the distribution fit of every run, title and token level, from the samples
// (the paper's measure) and exact (every title teacher-forced: no sampling noise).
void printDivergenceTable(const std::vector<ordered_json>& summaries, std::FILE* out) {
    std::fprintf(out, "\n%-8s | %-26s | %-26s | %-17s | %s\n", "", "title level (sampled)",
                 "token level (sampled)", "JS exact", "");
    std::fprintf(out, "%-8s | %8s %8s %8s | %8s %8s %8s | %8s %8s | %s\n", "method", "KL(T|R)",
                 "KL(R|T)", "JS", "KL(T|R)", "KL(R|T)", "JS", "title", "token", "out of set");
    for (const auto& s : summaries) {
        auto get = [&](const char* field, const char* level, const char* kind) {
            const auto d = s.value(field, ordered_json::object());
            return d.contains(level) && d[level].contains(kind) ? d[level][kind].get<double>() : -1.0;
        };
        std::fprintf(out, "%-8s | %8.4f %8.4f %8.4f | %8.4f %8.4f %8.4f | %8.4f %8.4f | %.0f\n",
                     s["method"].get<std::string>().c_str(), get("divergences", "title", "kl_tr"),
                     get("divergences", "title", "kl_rt"), get("divergences", "title", "js"),
                     get("divergences", "token", "kl_tr"), get("divergences", "token", "kl_rt"),
                     get("divergences", "token", "js"), get("divergences_exact", "title", "js"),
                     get("divergences_exact", "token", "js"), s.value("out_of_set", -1.0));
    }
}

void finish(const std::vector<ordered_json>& summaries, bool json) {
    if (json) {
        if (summaries.size() == 1) {
            std::printf("%s\n", summaries[0].dump().c_str());
        } else {
            ordered_json all;
            all["runs"] = summaries;
            std::printf("%s\n", all.dump().c_str());
        }
    } else {
        for (const auto& s : summaries) printHuman(s, stdout);
    }
    for (const auto& s : summaries) {
        if (!succeeded(s)) throw CLI::RuntimeError(3);
    }
}

const flower::cli::Registration kTrain(10, [](CLI::App& root) {
    auto a = std::make_shared<TrainArgs>();
    auto* cmd = root.add_subcommand("train", "Train one experiment (SFT, IFairLRS or Flower)");
    cmd->add_option("--experiment", a->experiment, "Experiment file (experiments/*.json)")->required();
    cmd->add_option("--set", a->overrides, "Override a field: key.sub=value; repeatable")->take_all();
    cmd->add_option("--device", a->device, "cpu, cuda or auto (overrides the file)")
        ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
    addCommonOptions(cmd, *a);
    cmd->callback([a] {
        const auto config = flower::run::ExperimentConfig::load(a->experiment,
                                                                withDevice(a->overrides, a->device));
        const fs::path store = a->db.empty() ? flower::store::defaultStorePath(fs::path(a->experiment))
                                             : fs::path(a->db);
        finish({flower::cli::runTrainingSession(config, sessionOptions(store, a->json))}, a->json);
    });
});

const flower::cli::Registration kResume(11, [](CLI::App& root) {
    auto a = std::make_shared<TrainArgs>();
    auto* cmd = root.add_subcommand("resume", "Continue a cancelled or interrupted run from its "
                                              "last checkpoint");
    cmd->add_option("run", a->run, "Run id (see `flower runs`)")->required();
    addCommonOptions(cmd, *a);
    cmd->callback([a] {
        const fs::path store = a->db.empty() ? flower::store::defaultStorePath() : fs::path(a->db);
        const auto config = flower::train::experimentOfRun(store, a->run);
        auto options = sessionOptions(store, a->json);
        options.resumeRun = a->run;
        finish({flower::cli::runTrainingSession(config, options)}, a->json);
    });
});

const flower::cli::Registration kDemo(12, [](CLI::App& root) {
    auto a = std::make_shared<TrainArgs>();
    auto* cmd = root.add_subcommand(
        "demo", "The embedded RQ1 experiment (rq1-synthetic): SFT and Flower side by side on a "
                "synthetic catalogue, then the distribution fit of both");
    cmd->add_option("--set", a->overrides, "Override a field of both runs: key.sub=value")->take_all();
    addCommonOptions(cmd, *a);
    cmd->callback([a] {
        // load() applies overrides and validates, so the embedded file goes through it too.
        const fs::path dir = flower::util::cacheDir() / "demo";
        fs::create_directories(dir);
        const fs::path file = dir / "rq1-synthetic.json";
        std::ofstream(file) << flower::cli::kDemoExperimentJson;
        const fs::path store = a->db.empty() ? dir / "runs.sqlite" : fs::path(a->db);
        std::vector<ordered_json> summaries;
        for (const char* method : {"sft", "flower"}) {
            auto overrides = a->overrides;
            overrides.push_back(std::string("method=") + method);
            overrides.push_back(std::string("name=demo-") + method);
            const auto config = flower::run::ExperimentConfig::load(file, overrides);
            summaries.push_back(flower::cli::runTrainingSession(config, sessionOptions(store, a->json)));
        }
        if (!a->json) printDivergenceTable(summaries, stdout);
        finish(summaries, a->json);
    });
});

}  // namespace
