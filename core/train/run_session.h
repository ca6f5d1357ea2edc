// RunSession: one run made ready to execute — its experiment assembled (assembleRun), the run
// registered in the store (or an existing one taken up), its folder, Trainer and RunController —
// so that `flower train`, `flower resume`, `flower demo` and the workbench's run queue start
// runs the same way. The session does not start the controller: callers add their listeners
// first (RunController::addListener), then call controller().start().
//
// Which start:
//   - no runId: a new run is registered (state queued) after the assembly succeeded;
//   - runId of a `queued` run: a fresh start under that id (the workbench's queue);
//   - runId of a `cancelled` / `interrupted` run: continues from its `last` checkpoint (what the
//     store holds past that checkpoint's step, and the test split, is removed first: the resumed
//     run computes it again, RunStore::truncateMeasurements); when it
//     has none (stopped before its first checkpoint) it starts over from step 0 under the same
//     id: its partial measurements (series, histograms, divergences, evaluations, samples,
//     checkpoint rows) and its folder are removed first, since nothing of value is lost and a
//     restart must not mix two runs' points (startsOver() says so).
//   - `running`, `finished`, `failed` runs cannot be started: flower::Error.
// Ownership: the session owns the assembly, the trainer and the controller; destroying it
// cancels and joins a running worker (RunController's destructor) before the model goes.
// Failure: flower::Error from the config, the data, the store; when the assembly of an existing
// queued run fails, that run is marked `failed` with the message before the error propagates,
// so a queue does not try it again.
// Threads: construct on any thread (the assembly takes seconds: a GUI does it off its thread).
#pragma once

#include "core/run/experiment_config.h"
#include "core/train/run_assembly.h"
#include "core/train/run_controller.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

namespace flower::train {

class Trainer;

struct RunSessionOptions {
    std::filesystem::path storeFile;       // the run store (created when missing)
    std::optional<std::int64_t> runId;     // an existing run to start or continue
};

class RunSession {
public:
    RunSession(const run::ExperimentConfig& config, RunSessionOptions options);
    ~RunSession();
    RunSession(const RunSession&) = delete;
    RunSession& operator=(const RunSession&) = delete;

    // The session of an existing run, with the config the store keeps for it.
    static std::unique_ptr<RunSession> open(const std::filesystem::path& storeFile,
                                            std::int64_t runId);

    std::int64_t runId() const { return runId_; }
    const std::filesystem::path& storeFile() const { return options_.storeFile; }
    const std::filesystem::path& directory() const { return directory_; }
    const RunAssembly& assembly() const { return assembly_; }
    const run::ExperimentConfig& config() const { return assembly_.config; }
    bool continuesFromCheckpoint() const { return continues_; }
    // An interrupted / cancelled run without a checkpoint, started over from step 0.
    bool startsOver() const { return startsOver_; }
    RunController& controller() { return *controller_; }

private:
    RunSessionOptions options_;
    RunAssembly assembly_;
    std::int64_t runId_ = 0;
    std::filesystem::path directory_;
    bool continues_ = false;
    bool startsOver_ = false;
    std::shared_ptr<Trainer> trainer_;
    std::unique_ptr<RunController> controller_;
};

// The experiment a stored run was started with (its resolved config). A `sasrec` run has its
// own config (core/sasrec/sasrec_run.h) and no checkpoint to continue from: flower::Error saying
// so and how to train one again (`flower sasrec train --dataset D --seed S`, seconds per epoch).
// Failure: flower::Error for an unknown run or an unreadable config.
run::ExperimentConfig experimentOfRun(const std::filesystem::path& storeFile, std::int64_t runId);

// Registers `config` as a new run in state `queued` without assembling it (the queue starts it
// later with RunSession::open). Returns the run id. Failure: flower::Error from the store.
std::int64_t enqueueRun(const std::filesystem::path& storeFile, const run::ExperimentConfig& config);

}  // namespace flower::train
