#include "training_session.h"

#include "progress_line.h"

#include "core/store/run_store.h"
#include "core/text/vocabulary_map.h"
#include "core/train/run_assembly.h"
#include "core/train/run_controller.h"
#include "core/train/trainer.h"
#include "core/util/error.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace flower::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

std::atomic<int> gInterrupts{0};

void onInterrupt(int) { gInterrupts.fetch_add(1); }

// What the listener collects on the worker thread for the summary.
struct Collected {
    std::mutex mutex;
    std::vector<double> stepSeconds;
    std::int64_t tokens = 0;
    double seconds = 0;
    std::vector<std::pair<std::string, double>> losses;
    std::optional<train::EvaluationResult> lastEvaluation;
    std::string lastCheckpoint;
};

const char* kindKey(train::DivergenceValue::Kind kind) {
    switch (kind) {
        case train::DivergenceValue::Kind::KlTargetPolicy: return "kl_tr";
        case train::DivergenceValue::Kind::KlPolicyTarget: return "kl_rt";
        case train::DivergenceValue::Kind::Js: return "js";
    }
    return "?";
}

std::string describeEvaluation(std::int64_t step, const train::EvaluationResult& r) {
    std::string text = "evaluation at step " + std::to_string(step) + ":";
    for (const auto& m : r.metrics) {
        char buffer[96];
        std::snprintf(buffer, sizeof buffer, " %s %.4g", m.key().c_str(), m.value);
        text += buffer;
    }
    return text;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

fs::path runDirectory(const fs::path& storeFile, std::int64_t runId) {
    const fs::path parent = storeFile.has_parent_path() ? storeFile.parent_path() : fs::path(".");
    return parent / "runs" / std::to_string(runId);
}

void installInterruptHandler() {
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
}

ordered_json runTrainingSession(const run::ExperimentConfig& config, const SessionOptions& options) {
    ProgressLine progress(options.out, options.terminal);
    progress.message("assembling " + config.name + " (" + std::string(run::toString(config.method)) +
                     ")");
    train::AssemblyOptions assemblyOptions;
    assemblyOptions.storeFile = options.storeFile;  // for "preference": {"run": id}
    train::RunAssembly assembly = train::assembleRun(config, assemblyOptions);
    progress.message(assembly.describe());

    store::RunStore runs(options.storeFile);
    std::int64_t runId = 0;
    if (options.resumeRun) {
        runId = *options.resumeRun;
    } else {
        store::NewRun fresh;
        fresh.name = config.name;
        fresh.configJson = config.toJson().dump();
        fresh.method = std::string(run::toString(config.method));
        fresh.dataset = config.dataset;
        fresh.seed = config.seed;
        fresh.device = assembly.device;
        runId = runs.createRun(fresh);
    }
    const fs::path dir = runDirectory(options.storeFile, runId);
    fs::create_directories(dir);
    auto trainerOptions = train::TrainerOptions::fromConfig(config, dir);
    if (assembly.vocabulary) {
        // Checkpoints copy it, so every checkpoint is a complete model directory.
        assembly.vocabulary->save(dir / "vocabulary_map.json");
        trainerOptions.extras.vocabularyMapFile = dir / "vocabulary_map.json";
    }
    auto trainer = std::make_shared<train::Trainer>(assembly.model, assembly.objective, assembly.data,
                                                    assembly.evaluator, trainerOptions);
    train::RunControllerOptions controllerOptions;
    controllerOptions.storeFile = options.storeFile;
    controllerOptions.runId = runId;
    if (options.resumeRun) {
        controllerOptions.resumeFrom = dir / "last";
        if (!fs::exists(controllerOptions.resumeFrom)) {
            throw Error("run " + std::to_string(runId) + " has no checkpoint to resume from (" +
                        controllerOptions.resumeFrom.string() + ")");
        }
    }
    train::RunController controller(trainer, controllerOptions);
    Collected collected;
    controller.addListener([&](const train::RunEvent& event) {
        if (const auto* step = std::get_if<train::StepEvent>(&event)) {
            {
                std::lock_guard lock(collected.mutex);
                collected.stepSeconds.push_back(step->stepSeconds);
                collected.tokens += step->tokens;
                collected.seconds += step->stepSeconds;
                collected.losses = step->losses;
            }
            ProgressState state;
            state.step = step->step;
            state.totalSteps = step->totalSteps;
            state.epoch = step->epoch;
            state.losses = step->losses;
            state.tokensPerSecond = step->tokensPerSecond;
            state.etaSeconds = step->etaSeconds;
            progress.update(state);
        } else if (const auto* evaluation = std::get_if<train::EvaluationEvent>(&event)) {
            {
                std::lock_guard lock(collected.mutex);
                collected.lastEvaluation = evaluation->result;
            }
            progress.message(describeEvaluation(evaluation->step, evaluation->result));
        } else if (const auto* checkpoint = std::get_if<train::CheckpointEvent>(&event)) {
            std::lock_guard lock(collected.mutex);
            collected.lastCheckpoint = checkpoint->dir.string();
        }
    });
    installInterruptHandler();
    const int interruptsBefore = gInterrupts.load();
    controller.start();
    // This thread only watches for Ctrl-C; the worker reports through the listener.
    std::thread watcher([&] {
        while (true) {
            const auto s = controller.state();
            if (s == train::RunState::Finished || s == train::RunState::Failed ||
                s == train::RunState::Cancelled) {
                return;
            }
            if (gInterrupts.load() != interruptsBefore) {
                progress.message("interrupted: cancelling after the current step (a checkpoint "
                                 "is kept; continue with `flower resume " +
                                 std::to_string(runId) + "`)");
                controller.cancel();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
    const train::RunState final = controller.wait();
    watcher.join();
    progress.finish();

    std::lock_guard lock(collected.mutex);
    ordered_json summary;
    summary["run_id"] = runId;
    summary["name"] = config.name;
    summary["method"] = std::string(run::toString(config.method));
    summary["status"] = std::string(train::toString(final));
    if (final == train::RunState::Failed) summary["error"] = controller.error();
    summary["steps"] = controller.lastStep();
    ordered_json losses = ordered_json::object();
    for (const auto& [key, value] : collected.losses) losses[key] = value;
    summary["losses"] = losses;
    if (collected.lastEvaluation) {
        ordered_json divergences = ordered_json::object();
        for (const auto& d : collected.lastEvaluation->divergences) {
            divergences[d.tokenLevel ? "token" : "title"][kindKey(d.kind)] = d.value;
        }
        if (!divergences.empty()) summary["divergences"] = divergences;
        // The exact fit of the RQ1 evaluator (Rq1EvaluatorOptions::exact), when it ran.
        ordered_json exact = ordered_json::object();
        for (const char* level : {"title", "token"}) {
            for (const char* kind : {"kl_tr", "kl_rt", "js"}) {
                const std::string key = std::string("valid/") + kind + "_" + level + "_exact";
                if (const auto v = collected.lastEvaluation->find(key)) exact[level][kind] = *v;
            }
        }
        if (!exact.empty()) summary["divergences_exact"] = exact;
        if (const auto outside = collected.lastEvaluation->find("valid/out_of_set")) {
            summary["out_of_set"] = *outside;
        }
        if (const auto loss = collected.lastEvaluation->find("valid/loss")) {
            summary["valid_loss"] = *loss;
        }
    }
    summary["median_step_seconds"] = median(collected.stepSeconds);
    summary["tokens_per_second"] =
        collected.seconds > 0 ? static_cast<double>(collected.tokens) / collected.seconds : 0.0;
    summary["checkpoint"] = collected.lastCheckpoint;
    return summary;
}

}  // namespace flower::cli
