// RunQueue: executes the store's queued runs one after another in this process. The queue is
// the store itself — a run waits in state `queued` (RunStore::nextQueuedRun takes the oldest) —
// so it survives closing the workbench, and a run queued by another window is picked up too.
// Resumes (cancelled / interrupted runs) go before the queued runs.
//
// Threads: a run is prepared (RunSession: assembly, seconds) on a helper thread, then trains on
// its RunController's worker; the GUI thread only receives RunBridge's queued signals. Writes to
// the store from the GUI thread are run control only: enqueue (one INSERT) and cancelling a run
// that has not started (one UPDATE).
// Closing: stopAll() cancels the current run after its current step (the controller keeps a
// resumable checkpoint) and emits idle() once its worker has ended; the session is destroyed on
// a helper thread, never on the GUI thread.
// Failure: flower::Error from enqueue/cancel (store problems); a run that fails to assemble or
// train is marked failed in the store and reported through runFinished(id, "failed", message).
#pragma once

#include "core/run/experiment_config.h"
#include "widgets/run_bridge.h"

#include <QList>
#include <QObject>
#include <QString>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace flower::train {
class RunSession;
}  // namespace flower::train

namespace flower::widgets {

class RunQueue : public QObject {
    Q_OBJECT
public:
    explicit RunQueue(QObject* parent = nullptr);
    ~RunQueue() override;

    // The store the queue reads and runs in. Only while idle (returns false otherwise).
    bool setStore(const QString& storeFile);
    QString store() const { return store_; }

    // Registers the experiment as a queued run; returns its id. Does not start anything.
    qint64 enqueue(const run::ExperimentConfig& config);
    // Starts the next run when idle, and keeps going until the store has no queued run.
    void start();
    // Continues a cancelled or interrupted run (from its `last` checkpoint) before the queue.
    void resumeRun(qint64 runId);
    // The current run: cancelled after its current step. A queued run: marked cancelled.
    void cancelRun(qint64 runId);
    // Stops the queue and cancels the current run; idle() follows when nothing runs.
    void stopAll();

    bool busy() const { return current_ != 0; }
    qint64 currentRun() const { return current_; }
    // The bridge of the current run (nullptr when idle), for views that follow it live.
    RunBridge* currentBridge() const { return bridge_; }

Q_SIGNALS:
    void runStarted(qint64 runId);
    void stepDone(qint64 runId, const flower::widgets::RunStepInfo& info);
    void evaluationProgress(qint64 runId, const QString& split, qint64 done, qint64 total);
    void runFinished(qint64 runId, const QString& state, const QString& message);
    void idle();

private:
    void launchNext();
    void onFinished(qint64 runId, const QString& state, const QString& message);
    void reap();

    QString store_;
    bool active_ = false;        // start() was called and stopAll() was not
    QList<qint64> resumes_;      // runs to continue before the queued ones
    qint64 current_ = 0;         // 0 = idle
    RunBridge* bridge_ = nullptr;

    std::thread launcher_;       // prepares and starts the current session
    std::thread reaper_;         // destroys the previous session (joins its worker)
    std::mutex mutex_;
    std::unique_ptr<train::RunSession> session_;  // guarded by mutex_
    std::atomic<bool> cancelRequested_{false};
};

}  // namespace flower::widgets
