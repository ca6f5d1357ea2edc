#include "training_session.h"

#include "progress_line.h"

#include "core/train/run_controller.h"
#include "core/train/run_session.h"
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

std::atomic<int> gLastSignal{0};

void onInterrupt(int signalNumber) {
    gLastSignal.store(signalNumber);
    gInterrupts.fetch_add(1);
}

// What the listener collects on the worker thread for the summary.
struct Collected {
    std::mutex mutex;
    std::vector<double> stepSeconds;
    std::int64_t tokens = 0;
    double seconds = 0;
    std::vector<std::pair<std::string, double>> losses;
    std::optional<train::EvaluationResult> lastEvaluation;  // of the validation
    std::optional<train::EvaluationResult> testEvaluation;  // at the end, with the best weights
    std::int64_t testWeightsStep = 0;
    std::chrono::steady_clock::time_point evaluationStart{};
    bool evaluationTimed = false;   // progress announced the running evaluation's start
    int evaluationQuarter = 0;      // plain output: the last quarter of the rows reported
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

std::string describeEvaluation(const train::EvaluationEvent& e, double seconds) {
    std::string text = e.split == "test" ? "test evaluation with the weights of step " +
                                               std::to_string(e.weightsStep)
                                         : "evaluation at step " + std::to_string(e.step);
    if (seconds >= 0) {
        char buffer[48];
        std::snprintf(buffer, sizeof buffer, " (%.1f s)", seconds);
        text += buffer;
    }
    text += ":";
    const train::EvaluationResult& r = e.result;
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

void installInterruptHandler() {
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    // SIGTERM is what Slurm sends before a time limit or a preemption, and `kill`'s default:
    // the same graceful cancel, so a requeued task resumes from the checkpoint it leaves.
    sigaction(SIGTERM, &action, nullptr);
}

ordered_json runTrainingSession(const run::ExperimentConfig& config, const SessionOptions& options) {
    ProgressLine progress(options.out, options.terminal);
    progress.message("assembling " + config.name + " (" + std::string(run::toString(config.method)) +
                     ")");
    train::RunSessionOptions sessionOptions;
    sessionOptions.storeFile = options.storeFile;
    sessionOptions.runId = options.resumeRun ? options.resumeRun : options.existingRun;
    train::RunSession session(config, sessionOptions);
    progress.message(session.assembly().describe());
    const std::int64_t runId = session.runId();
    if (session.startsOver()) {
        progress.message("run " + std::to_string(runId) +
                         " stopped before its first checkpoint: starting it over from step 0");
    }
    train::RunController& controller = session.controller();
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
        } else if (const auto* p = std::get_if<train::EvaluationProgress>(&event)) {
            // Beam search over a split takes minutes on the big datasets: say that it runs.
            const auto now = std::chrono::steady_clock::now();
            int quarter = 0;
            {
                std::lock_guard lock(collected.mutex);
                if (p->done == 0) {
                    collected.evaluationStart = now;
                    collected.evaluationTimed = true;
                    collected.evaluationQuarter = 0;
                }
                quarter = p->total > 0 ? static_cast<int>(4 * p->done / p->total) : 0;
                if (quarter > collected.evaluationQuarter && quarter < 4) {
                    collected.evaluationQuarter = quarter;
                } else {
                    quarter = 0;
                }
            }
            const std::string what = "ranking the " + p->split + " split: " + std::to_string(p->done) +
                                     " / " + std::to_string(p->total) + " rows";
            if (p->done == 0) {
                progress.message(what + " (beam search)");
            } else if (!options.terminal && quarter > 0) {
                progress.message(what);
            }
            progress.activity(what);
        } else if (const auto* evaluation = std::get_if<train::EvaluationEvent>(&event)) {
            double seconds = -1;
            {
                std::lock_guard lock(collected.mutex);
                if (evaluation->split == "test") {
                    collected.testEvaluation = evaluation->result;
                    collected.testWeightsStep = evaluation->weightsStep;
                } else {
                    collected.lastEvaluation = evaluation->result;
                }
                if (collected.evaluationTimed) {
                    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                            collected.evaluationStart)
                                  .count();
                    collected.evaluationTimed = false;
                }
            }
            progress.message(describeEvaluation(*evaluation, seconds));
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
                const char* what = gLastSignal.load() == SIGTERM ? "terminated" : "interrupted";
                progress.message(std::string(what) +
                                 ": cancelling after the current step (a checkpoint "
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
    if (collected.testEvaluation) {
        ordered_json test = ordered_json::object();
        test["weights_step"] = collected.testWeightsStep;
        for (const auto& m : collected.testEvaluation->metrics) test[m.key()] = m.value;
        summary["test"] = test;
    }
    summary["median_step_seconds"] = median(collected.stepSeconds);
    summary["tokens_per_second"] =
        collected.seconds > 0 ? static_cast<double>(collected.tokens) / collected.seconds : 0.0;
    summary["checkpoint"] = collected.lastCheckpoint;
    return summary;
}

}  // namespace flower::cli
