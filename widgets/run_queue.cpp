#include "widgets/run_queue.h"

#include "core/store/run_store.h"
#include "core/train/run_session.h"
#include "core/util/error.h"

#include <QMetaObject>

namespace flower::widgets {

RunQueue::RunQueue(QObject* parent) : QObject(parent) {}

RunQueue::~RunQueue() {
    cancelRequested_ = true;
    if (launcher_.joinable()) {
        launcher_.join();
    }
    {
        std::lock_guard lock(mutex_);
        if (session_) {
            session_->controller().cancel();
        }
        session_.reset();  // joins the worker (after its current step and checkpoint)
    }
    if (reaper_.joinable()) {
        reaper_.join();
    }
}

bool RunQueue::setStore(const QString& storeFile) {
    if (busy()) {
        return false;
    }
    store_ = storeFile;
    resumes_.clear();
    active_ = false;
    return true;
}

qint64 RunQueue::enqueue(const run::ExperimentConfig& config) {
    if (store_.isEmpty()) {
        throw Error("no run store is open (File ▸ Open store)");
    }
    return train::enqueueRun(store_.toStdString(), config);
}

void RunQueue::start() {
    active_ = true;
    launchNext();
}

void RunQueue::resumeRun(qint64 runId) {
    if (runId == current_ || resumes_.contains(runId)) {
        return;
    }
    resumes_.push_back(runId);
    active_ = true;
    launchNext();
}

void RunQueue::cancelRun(qint64 runId) {
    if (runId == current_) {
        cancelRequested_ = true;
        std::lock_guard lock(mutex_);
        if (session_) {
            session_->controller().cancel();
        }
        return;  // the launcher checks cancelRequested_ before it starts the controller
    }
    resumes_.removeAll(runId);
    store::RunStore runs(store_.toStdString());
    if (runs.run(runId).status == store::RunStatus::Queued) {
        runs.finishRun(runId, store::RunStatus::Cancelled, "cancelled before it started");
    }
}

void RunQueue::stopAll() {
    active_ = false;
    resumes_.clear();
    if (current_ != 0) {
        cancelRun(current_);
    } else {
        Q_EMIT idle();
    }
}

void RunQueue::launchNext() {
    if (busy() || !active_ || store_.isEmpty()) {
        return;
    }
    std::optional<qint64> next;
    if (!resumes_.isEmpty()) {
        next = resumes_.takeFirst();
    } else {
        try {
            next = store::RunStore(store_.toStdString()).nextQueuedRun();
        } catch (const std::exception&) {
            next.reset();  // an unusable store: nothing to run (the window reports the store)
        }
    }
    if (!next) {
        active_ = false;
        Q_EMIT idle();
        return;
    }
    if (launcher_.joinable()) {
        launcher_.join();  // it has long finished: it only prepares and starts
    }
    current_ = *next;
    cancelRequested_ = false;
    bridge_ = new RunBridge(current_, this);
    connect(bridge_, &RunBridge::stepDone, this, &RunQueue::stepDone);
    connect(bridge_, &RunBridge::evaluationProgress, this, &RunQueue::evaluationProgress);
    connect(bridge_, &RunBridge::finished, this, &RunQueue::onFinished);
    Q_EMIT runStarted(current_);

    const std::filesystem::path store = store_.toStdString();
    const qint64 id = current_;
    RunBridge* bridge = bridge_;
    launcher_ = std::thread([this, store, id, bridge] {
        try {
            // RunSession continues from `last` whenever the run has one (a resume).
            auto session = train::RunSession::open(store, id);
            if (cancelRequested_) {
                // Cancelled while assembling: never started, so the store still says queued.
                store::RunStore runs(store);
                const auto status = runs.run(id).status;
                if (status == store::RunStatus::Queued) {
                    runs.finishRun(id, store::RunStatus::Cancelled, "cancelled before it started");
                }
                bridge->postCancelled();
                return;
            }
            bridge->attach(session->controller());
            std::lock_guard lock(mutex_);
            session->controller().start();
            // cancelRun() sets the flag before it takes the lock: either it sees session_ or
            // we see the flag.
            if (cancelRequested_) {
                session->controller().cancel();
            }
            session_ = std::move(session);
        } catch (const std::exception& e) {
            // RunSession marked a queued run failed; a resume keeps its state (still resumable).
            bridge->postFailure(QString::fromUtf8(e.what()));
        }
    });
}

void RunQueue::onFinished(qint64 runId, const QString& state, const QString& message) {
    if (runId != current_) {
        return;
    }
    reap();
    current_ = 0;
    if (bridge_) {
        bridge_->deleteLater();
        bridge_ = nullptr;
    }
    Q_EMIT runFinished(runId, state, message);
    if (active_) {
        launchNext();
    } else {
        Q_EMIT idle();
    }
}

void RunQueue::reap() {
    if (launcher_.joinable()) {
        launcher_.join();
    }
    std::unique_ptr<train::RunSession> done;
    {
        std::lock_guard lock(mutex_);
        done = std::move(session_);
    }
    if (reaper_.joinable()) {
        reaper_.join();
    }
    // The worker has emitted its final state but may still be unwinding: join it off this thread.
    reaper_ = std::thread([session = std::move(done)]() mutable { session.reset(); });
}

}  // namespace flower::widgets
