// ComparisonWorker: the comparison's thread. It reads the selected runs (configs and every
// scalar series) and the two paper tables through its own read-only RunStore, keeps the runs,
// and turns them into plot curves for given settings (align, EMA, aggregate per group) — so
// the GUI thread never queries SQLite or loops over 100,000-point series.
// Threads: owns a QThread; load()/compute() return at once and post the work there. Results
// come back as calls of the callbacks on the receiver's thread (queued). A compute() posted
// while another one waits supersedes it (only the newest generation is computed).
// Failure: an unreadable store or a missing run gives onFailed(message); the table errors
// (ambiguous paper rows) travel inside ComparedTables.
#pragma once

#include "widgets/comparison_data.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>

namespace flower::widgets {

class ComparisonWorker {
public:
    struct Callbacks {
        std::function<void(std::vector<ComparedRun>, ComparedTables)> onLoaded;
        std::function<void(int generation, std::vector<ComparedPlot>)> onComputed;
        std::function<void(QString)> onFailed;
    };
    // Callbacks run on `receiver`'s thread and not at all once it is gone.
    ComparisonWorker(QObject* receiver, Callbacks callbacks);
    ~ComparisonWorker();

    void load(const QString& storeFile, const QList<qint64>& runIds);
    // Computes the curves of every series of the loaded runs; returns the generation number.
    int compute(const ComparisonSettings& settings);

    // The same computation, synchronously (tests, benchmarks).
    static std::vector<ComparedPlot> curves(const std::vector<ComparedRun>& runs,
                                            const ComparisonSettings& settings);
    static std::vector<ComparedRun> readRuns(const QString& storeFile, const QList<qint64>& runIds,
                                             ComparedTables* tables);

private:
    QObject* receiver_;  // owns this worker, so it outlives the thread
    Callbacks callbacks_;
    QThread thread_;
    QObject* context_ = nullptr;  // lives on thread_: functors posted to it run there
    std::shared_ptr<std::vector<ComparedRun>> runs_;  // touched on thread_ only
    std::atomic<int> loadGeneration_{0};
    std::atomic<int> generation_{0};  // of compute()
};

}  // namespace flower::widgets
