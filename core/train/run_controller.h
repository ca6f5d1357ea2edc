// RunController: the one owner of a running training run's mutable state. It runs a Trainer on
// its own worker thread (std::thread; core has no Qt), lets any thread start, pause, resume and
// cancel it, delivers every event to listeners and writes it to the run store in batches
// (RunWriter):
//   scalars      "loss/<term>" of every update, "lr", "grad_norm", "tokens_per_s",
//                "step_seconds", and each evaluation metric under its key ("valid/loss")
//   evaluations  (split, metric, k) of every evaluation (the end-of-training test one too);
//                divergences; samples (with the event's split); every histogram the
//                evaluator reports, under its kind ("groups_recommended", "test/groups_…")
//   checkpoints  every `last` / `best` written, with the monitored metric at `best`
//   final state  finished (also after early stopping), cancelled (with a checkpoint of the last
//                whole update, so `flower resume` continues exactly), failed (with the message)
// Cancel and pause are checked before every micro-batch: cancel() takes effect within one
// update (the unfinished update is dropped), pause() blocks the worker there until resume().
// A non-finite loss or gradient norm ends the run as failed with a message naming the step and
// the diagnostic file (see Trainer); any exception on the worker becomes `failed` with its
// message — never std::terminate.
//
// Threads: listeners run on the worker thread (a GUI posts to its own thread); add them before
// start(). start/pause/resume/cancel/state/wait may be called from any thread. The destructor
// cancels and joins.
// Failure: start() throws flower::Error when the store or run id is unusable or when called
// twice; everything after that is reported through the state (and the store).
#pragma once

#include "core/store/run_writer.h"
#include "core/train/trainer.h"

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace flower::train {

enum class RunState { Idle, Running, Paused, Finished, Failed, Cancelled };
std::string_view toString(RunState state);

struct StateEvent {
    RunState state = RunState::Idle;
    std::string message;               // the error when Failed
    std::optional<TrainResult> result; // in the final event of a run that trained to its end
};

// EvaluationProgress: how far a running evaluation is (not stored; for progress lines).
using RunEvent = std::variant<StateEvent, StepEvent, EvaluationEvent, CheckpointEvent, EvaluationProgress>;
using RunListener = std::function<void(const RunEvent&)>;

struct RunControllerOptions {
    std::filesystem::path storeFile;     // "" = no store (tests, dry runs)
    std::int64_t runId = 0;              // a run of storeFile in state queued/interrupted/cancelled
    std::filesystem::path resumeFrom;    // a checkpoint to restore first; "" = a fresh start
    store::WriterOptions writer;
};

class RunController {
public:
    RunController(std::shared_ptr<Trainer> trainer, RunControllerOptions options);
    ~RunController();
    RunController(const RunController&) = delete;
    RunController& operator=(const RunController&) = delete;

    // Before start() only.
    void addListener(RunListener listener);

    // Marks the run running in the store and starts the worker.
    void start();
    void pause();
    void resume();
    void cancel();
    // Blocks until the worker is done; returns the final state (Idle if never started).
    RunState wait();

    RunState state() const;
    std::string error() const;                 // the failure message, "" otherwise
    std::optional<TrainResult> result() const; // once the worker is done without failure
    std::int64_t lastStep() const;             // updates done, as last reported

private:
    void work();
    bool shouldStop();
    void emit(const RunEvent& event);
    void setState(RunState state, const std::string& message = {},
                  std::optional<TrainResult> result = std::nullopt);
    void record(const StepEvent& e);
    void record(const EvaluationEvent& e);

    std::shared_ptr<Trainer> trainer_;
    RunControllerOptions options_;
    std::vector<RunListener> listeners_;
    std::unique_ptr<store::RunWriter> writer_;
    std::thread worker_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    RunState state_ = RunState::Idle;
    bool started_ = false;
    bool pauseRequested_ = false;
    bool cancelRequested_ = false;
    std::string error_;
    std::optional<TrainResult> result_;
    std::int64_t lastStep_ = 0;
};

}  // namespace flower::train
