// StorePoller: the run monitor's reader. Lives on a worker thread (RunMonitor moves it there),
// owns its own read-only RunStore connection, and on each poll() reads only the rows newer than
// what it read before (per series: step > last step read; histograms, divergences and
// evaluations from the last step read, minus the rows already sent, since one evaluation's rows
// may come in more than one flush; the latest evaluation's samples when newer or more appear). Results go back to
// the GUI thread as one MonitorBatch through a queued signal, so no query ever runs on the GUI
// thread. The first poll after open() reads the run's whole history (the lazy load).
//
// Resume: when a run read as cancelled / interrupted / failed is running again, or a running run
// has a new started_at (cancelled and resumed between two polls, so `cancelled` was never
// read), its steps after the checkpoint are rewritten; the poller then reads the run again whole
// (batch.reset). The rows of the attempt before (steps after the resumed checkpoint, written
// before the current started_at) are stale until the new attempt rewrites them: the poller
// leaves them out (AttemptWindow), so the plots show the latest attempt's trajectory and the
// rewritten steps arrive as new rows instead of being passed over.
// Generations: open() starts a new generation; batches carry it, so the GUI drops any batch
// of a run it no longer shows.
// Failure: a store that cannot be opened or read (missing file, not a store, newer schema,
// unknown run) yields a batch whose `error` says why; the poller keeps no connection then.
#pragma once

#include "core/store/run_records.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace flower::store {
class RunStore;
}

namespace flower::widgets {

struct SeriesChunk {
    std::string key;                         // "loss/total", "lr", "valid/js_title_exact", ...
    std::vector<store::ScalarPoint> points;  // step order, all newer than the previous batch's
};

struct MonitorBatch {
    quint64 generation = 0;
    qint64 runId = 0;
    bool initial = false;                    // the first batch after open(): the whole history
    bool reset = false;                      // the run was resumed: this batch replaces all shown
    std::optional<store::RunInfo> run;       // in the first batch and whenever the status changed
    std::vector<SeriesChunk> series;
    std::vector<store::HistogramRow> histograms;
    std::vector<store::DivergenceRow> divergences;
    std::vector<store::EvaluationRow> evaluations;
    std::vector<store::SampleRow> samples;   // all of the latest evaluation's, when new or grown
    qint64 lastStep = -1;                    // highest series step read so far (this run)
    QString error;

    // True when the poll found nothing new.
    bool empty() const {
        return !reset && !run && series.empty() && histograms.empty() && divergences.empty() &&
               evaluations.empty() && samples.empty() && error.isEmpty();
    }
};

class StorePoller : public QObject {
    Q_OBJECT
public:
    explicit StorePoller(QObject* parent = nullptr);
    ~StorePoller() override;

    // Both run on the poller's thread (call through a queued invocation).
    // Forgets everything read so far and reads `runId` of `storeFile` from scratch next poll.
    Q_INVOKABLE void open(quint64 generation, const QString& storeFile, qint64 runId);
    // Reads what is new since the previous poll and emits batchReady (also when nothing is).
    Q_INVOKABLE void poll(quint64 generation);
    // Drops the connection (the worker thread is about to stop).
    Q_INVOKABLE void close();

Q_SIGNALS:
    void batchReady(const flower::widgets::MonitorBatch& batch);

private:
    // The current attempt of a resumed run: rows of steps after `resumeStep` written before
    // `startedAt` belong to an earlier attempt.
    struct AttemptWindow {
        double startedAt = 0;
        std::int64_t resumeStep = -1;  // the newest checkpoint before startedAt; -1: none
    };

    void read(MonitorBatch& batch);
    std::optional<AttemptWindow> attemptWindow(store::RunStore& store, const store::RunInfo& run);

    quint64 generation_ = 0;
    QString file_;
    qint64 runId_ = 0;
    std::unique_ptr<store::RunStore> store_;
    bool initialDone_ = false;
    bool resetPending_ = false;  // a resume was seen; the batch that re-reads it says reset
    std::map<std::string, std::int64_t> seriesLast_;  // key → last step read
    std::int64_t histogramLast_ = -1;
    std::int64_t divergenceLast_ = -1;
    std::int64_t evaluationLast_ = -1;
    std::int64_t sampleLast_ = -1;
    std::size_t sampleCount_ = 0;                     // rows of the latest samples step sent
    std::set<std::string> histogramSeen_;             // ids sent at the last step read
    std::set<std::string> divergenceSeen_;
    std::set<std::string> evaluationSeen_;
    std::int64_t lastStep_ = -1;
    std::optional<store::RunStatus> status_;
    std::optional<double> startedAt_;  // of the attempt read last
    bool restartSeen_ = false;         // a restart was seen live: stale rows may exist
};

}  // namespace flower::widgets

Q_DECLARE_METATYPE(flower::widgets::MonitorBatch)
