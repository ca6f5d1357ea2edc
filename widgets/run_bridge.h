// RunBridge: the one adapter between a RunController (core, std::thread) and the GUI. Its
// listener runs on the controller's worker thread and re-posts every event to the thread this
// object lives in as a queued signal, so slots run on the GUI thread and the worker never waits
// for the GUI (each event is copied into the posted call; nothing is shared).
// Ownership: the bridge owns nothing. Whoever owns the controller must keep the bridge alive
// until the controller's worker has ended (RunQueue destroys the session first); posted events
// still pending when the bridge goes are dropped by Qt.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>

namespace flower::train {
class RunController;
}  // namespace flower::train

namespace flower::widgets {

// One optimiser step as the GUI needs it.
struct RunStepInfo {
    qint64 step = 0;
    qint64 totalSteps = 0;
    double epoch = 0;
    double etaSeconds = 0;
    double tokensPerSecond = 0;
    QVector<QPair<QString, double>> losses;  // "loss/total" first
};

class RunBridge : public QObject {
    Q_OBJECT
public:
    explicit RunBridge(qint64 runId, QObject* parent = nullptr);

    qint64 runId() const { return runId_; }
    // Registers the bridge's listener with the controller (before its start()).
    void attach(train::RunController& controller);
    // Posts a failure that happened before the controller existed (e.g. the assembly threw)
    // from any thread, as if the run had failed: stateChanged(Failed, message) then finished.
    void postFailure(const QString& message);
    // The same for a run cancelled before its controller started.
    void postCancelled();

Q_SIGNALS:
    // State names are train::toString(RunState): running, paused, finished, failed, cancelled.
    void stateChanged(qint64 runId, const QString& state, const QString& message);
    void stepDone(qint64 runId, const flower::widgets::RunStepInfo& info);
    void evaluated(qint64 runId, qint64 step);
    // A running evaluation's progress (beam search over a split: rows ranked of total).
    void evaluationProgress(qint64 runId, const QString& split, qint64 done, qint64 total);
    void checkpointWritten(qint64 runId, qint64 step, const QString& dir);
    // The worker is done (finished, failed or cancelled); emitted after the last stateChanged.
    void finished(qint64 runId, const QString& state, const QString& message);

private:
    void deliverState(int state, const QString& message);
    void deliverStep(const RunStepInfo& info);

    qint64 runId_;
};

}  // namespace flower::widgets

Q_DECLARE_METATYPE(flower::widgets::RunStepInfo)
