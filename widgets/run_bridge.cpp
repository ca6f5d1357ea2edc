#include "widgets/run_bridge.h"

#include "core/train/run_controller.h"

#include <QMetaObject>

namespace flower::widgets {

RunBridge::RunBridge(qint64 runId, QObject* parent) : QObject(parent), runId_(runId) {
    qRegisterMetaType<RunStepInfo>();
}

void RunBridge::attach(train::RunController& controller) {
    controller.addListener([this](const train::RunEvent& event) {
        // Worker thread: copy what the GUI needs into the posted call, then return at once.
        if (const auto* s = std::get_if<train::StateEvent>(&event)) {
            const int state = static_cast<int>(s->state);
            const QString message = QString::fromStdString(s->message);
            QMetaObject::invokeMethod(
                this, [this, state, message] { deliverState(state, message); },
                Qt::QueuedConnection);
        } else if (const auto* step = std::get_if<train::StepEvent>(&event)) {
            RunStepInfo info;
            info.step = step->step;
            info.totalSteps = step->totalSteps;
            info.epoch = step->epoch;
            info.etaSeconds = step->etaSeconds;
            info.tokensPerSecond = step->tokensPerSecond;
            for (const auto& [key, value] : step->losses) {
                info.losses.push_back({QString::fromStdString(key), value});
            }
            QMetaObject::invokeMethod(
                this, [this, info] { deliverStep(info); }, Qt::QueuedConnection);
        } else if (const auto* p = std::get_if<train::EvaluationProgress>(&event)) {
            const QString split = QString::fromStdString(p->split);
            const qint64 done = p->done, total = p->total;
            QMetaObject::invokeMethod(
                this, [this, split, done, total] { Q_EMIT evaluationProgress(runId_, split, done, total); },
                Qt::QueuedConnection);
        } else if (const auto* evaluation = std::get_if<train::EvaluationEvent>(&event)) {
            const qint64 at = evaluation->step;
            QMetaObject::invokeMethod(
                this, [this, at] { Q_EMIT evaluated(runId_, at); }, Qt::QueuedConnection);
        } else if (const auto* checkpoint = std::get_if<train::CheckpointEvent>(&event)) {
            const qint64 at = checkpoint->step;
            const QString dir = QString::fromStdString(checkpoint->dir.string());
            QMetaObject::invokeMethod(
                this, [this, at, dir] { Q_EMIT checkpointWritten(runId_, at, dir); },
                Qt::QueuedConnection);
        }
    });
}

void RunBridge::postFailure(const QString& message) {
    QMetaObject::invokeMethod(
        this,
        [this, message] { deliverState(static_cast<int>(train::RunState::Failed), message); },
        Qt::QueuedConnection);
}

void RunBridge::postCancelled() {
    QMetaObject::invokeMethod(
        this,
        [this] {
            deliverState(static_cast<int>(train::RunState::Cancelled),
                         QStringLiteral("cancelled before it started"));
        },
        Qt::QueuedConnection);
}

void RunBridge::deliverState(int state, const QString& message) {
    const auto s = static_cast<train::RunState>(state);
    const QString name = QString::fromStdString(std::string(train::toString(s)));
    Q_EMIT stateChanged(runId_, name, message);
    if (s == train::RunState::Finished || s == train::RunState::Failed ||
        s == train::RunState::Cancelled) {
        Q_EMIT finished(runId_, name, message);
    }
}

void RunBridge::deliverStep(const RunStepInfo& info) { Q_EMIT stepDone(runId_, info); }

}  // namespace flower::widgets
