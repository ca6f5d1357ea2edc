#include "core/train/run_controller.h"

#include "core/store/run_store.h"
#include "core/util/error.h"

#include <exception>

namespace flower::train {

std::string_view toString(RunState state) {
    switch (state) {
        case RunState::Idle: return "idle";
        case RunState::Running: return "running";
        case RunState::Paused: return "paused";
        case RunState::Finished: return "finished";
        case RunState::Failed: return "failed";
        case RunState::Cancelled: return "cancelled";
    }
    return "unknown";
}

namespace {

store::DivergenceKind toStore(DivergenceValue::Kind kind) {
    switch (kind) {
        case DivergenceValue::Kind::KlTargetPolicy: return store::DivergenceKind::KlTargetPolicy;
        case DivergenceValue::Kind::KlPolicyTarget: return store::DivergenceKind::KlPolicyTarget;
        case DivergenceValue::Kind::Js: return store::DivergenceKind::Js;
    }
    return store::DivergenceKind::Js;
}

}  // namespace

RunController::RunController(std::shared_ptr<Trainer> trainer, RunControllerOptions options)
    : trainer_(std::move(trainer)), options_(std::move(options)) {
    if (!trainer_) {
        throw Error("a run controller needs a trainer");
    }
}

RunController::~RunController() {
    cancel();
    if (worker_.joinable()) {
        worker_.join();
    }
}

void RunController::addListener(RunListener listener) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) {
        throw Error("listeners must be added before the run starts");
    }
    listeners_.push_back(std::move(listener));
}

void RunController::start() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (started_) {
            throw Error("the run was already started");
        }
    }
    if (!options_.storeFile.empty()) {
        store::RunStore store(options_.storeFile);
        store.startRun(options_.runId);
        writer_ = std::make_unique<store::RunWriter>(options_.storeFile, options_.runId,
                                                     options_.writer);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        started_ = true;
        state_ = RunState::Running;
    }
    worker_ = std::thread([this] { work(); });
}

void RunController::pause() {
    std::lock_guard<std::mutex> lock(mutex_);
    pauseRequested_ = true;
}

void RunController::resume() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pauseRequested_ = false;
    }
    wake_.notify_all();
}

void RunController::cancel() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelRequested_ = true;
    }
    wake_.notify_all();
}

RunState RunController::wait() {
    if (worker_.joinable()) {
        worker_.join();
    }
    return state();
}

RunState RunController::state() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return state_;
}

std::string RunController::error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
}

std::optional<TrainResult> RunController::result() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return result_;
}

std::int64_t RunController::lastStep() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lastStep_;
}

void RunController::emit(const RunEvent& event) {
    for (const auto& listener : listeners_) {
        try {
            listener(event);
        } catch (...) {
            // A listener's bug must not kill the run (nor escape the worker thread).
        }
    }
}

void RunController::setState(RunState state, const std::string& message,
                             std::optional<TrainResult> result) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        state_ = state;
        if (state == RunState::Failed) {
            error_ = message;
        }
        if (result) {
            result_ = result;
        }
    }
    emit(StateEvent{state, message, std::move(result)});
}

bool RunController::shouldStop() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (cancelRequested_) {
        return true;
    }
    if (!pauseRequested_) {
        return false;
    }
    lock.unlock();
    setState(RunState::Paused);
    lock.lock();
    wake_.wait(lock, [this] { return !pauseRequested_ || cancelRequested_; });
    if (cancelRequested_) {
        return true;
    }
    lock.unlock();
    setState(RunState::Running);
    return false;
}

void RunController::record(const StepEvent& e) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        lastStep_ = e.step;
    }
    if (writer_) {
        std::vector<store::NamedScalar> points;
        points.reserve(e.losses.size() + 4);
        auto add = [&](const std::string& key, double value) {
            points.push_back({key, {e.step, e.epoch, value, 0}});
        };
        for (const auto& [key, value] : e.losses) {
            add(key, value);
        }
        add("lr", e.lr);
        add("grad_norm", e.gradNorm);
        add("tokens_per_s", e.tokensPerSecond);
        add("step_seconds", e.stepSeconds);
        writer_->scalars(points);
    }
    emit(e);
}

void RunController::record(const EvaluationEvent& e) {
    if (writer_) {
        std::vector<store::NamedScalar> points;
        for (const auto& m : e.result.metrics) {
            writer_->evaluation(m.split, m.metric, m.k, e.step, m.value);
            points.push_back({m.key(), {e.step, e.epoch, m.value, 0}});
        }
        writer_->scalars(points);
        for (const auto& d : e.result.divergences) {
            writer_->divergence(d.tokenLevel ? store::DivergenceLevel::Token
                                             : store::DivergenceLevel::Title,
                                toStore(d.kind), e.step, d.value);
        }
        for (const auto& s : e.result.samples) {
            writer_->sample(e.step, s.promptId, s.title, s.valid, s.logProb, e.split);
        }
        for (const auto& h : e.result.histograms) {
            if (!h.bins.empty()) writer_->histogram(h.kind, e.step, h.bins);
        }
    }
    emit(e);
}

void RunController::work() {
    RunState final = RunState::Finished;
    std::string message;
    std::optional<TrainResult> result;
    try {
        if (!options_.resumeFrom.empty()) {
            trainer_->restore(options_.resumeFrom);
        }
        TrainerHooks hooks;
        hooks.onStep = [this](const StepEvent& e) { record(e); };
        hooks.onEvaluation = [this](const EvaluationEvent& e) { record(e); };
        hooks.onEvaluationProgress = [this](const EvaluationProgress& p) { emit(p); };
        std::int64_t bestStep = -1;
        hooks.beforeCheckpoint = [this] {
            if (writer_) writer_->flush();
        };
        hooks.onCheckpoint = [this, &bestStep](const CheckpointEvent& e) {
            // The store keeps one checkpoint per step; when `best` and `last` hold the same
            // step, the row keeps `best` and its metric.
            if (writer_ && !(!e.best && e.step == bestStep)) {
                writer_->checkpoint(e.step, e.dir.string(), e.metric);
            }
            if (e.best) {
                bestStep = e.step;
            }
            emit(e);
        };
        hooks.shouldStop = [this] { return shouldStop(); };
        result = trainer_->train(hooks);
        final = result->reason == StopReason::Cancelled ? RunState::Cancelled : RunState::Finished;
    } catch (const std::exception& e) {
        final = RunState::Failed;
        message = e.what();
    } catch (...) {
        final = RunState::Failed;
        message = "unknown exception on the training thread";
    }
    if (writer_) {
        const store::RunStatus status = final == RunState::Finished    ? store::RunStatus::Finished
                                        : final == RunState::Cancelled ? store::RunStatus::Cancelled
                                                                       : store::RunStatus::Failed;
        try {
            writer_->finish(status, message);
        } catch (const std::exception& e) {
            // The run's outcome stands; the store problem is added to what the user sees.
            final = RunState::Failed;
            message += (message.empty() ? "" : "; ") + std::string("run store: ") + e.what();
        }
    }
    setState(final, message, result);
}

}  // namespace flower::train
