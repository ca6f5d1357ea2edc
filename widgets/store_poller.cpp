#include "widgets/store_poller.h"

#include "core/store/run_store.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <set>

namespace flower::widgets {

StorePoller::StorePoller(QObject* parent) : QObject(parent) {
    qRegisterMetaType<flower::widgets::MonitorBatch>();
}

StorePoller::~StorePoller() = default;

void StorePoller::open(quint64 generation, const QString& storeFile, qint64 runId) {
    if (storeFile != file_) {
        store_.reset();
    }
    generation_ = generation;
    file_ = storeFile;
    runId_ = runId;
    initialDone_ = false;
    resetPending_ = false;
    seriesLast_.clear();
    histogramLast_ = divergenceLast_ = evaluationLast_ = sampleLast_ = lastStep_ = -1;
    histogramSeen_.clear();
    divergenceSeen_.clear();
    evaluationSeen_.clear();
    sampleCount_ = 0;
    status_.reset();
    startedAt_.reset();
    restartSeen_ = false;
}

void StorePoller::close() { store_.reset(); }

void StorePoller::poll(quint64 generation) {
    if (generation != generation_) {
        return;  // a poll queued for a run that is no longer shown
    }
    MonitorBatch batch;
    batch.generation = generation_;
    batch.runId = runId_;
    try {
        read(batch);
    } catch (const std::exception& e) {
        // Keep nothing half-read: the next poll reopens and reads from the same positions.
        batch = MonitorBatch{};
        batch.generation = generation_;
        batch.runId = runId_;
        batch.error = QString::fromStdString(e.what());
        store_.reset();
    }
    batch.lastStep = lastStep_;
    Q_EMIT batchReady(batch);
}

void StorePoller::read(MonitorBatch& batch) {
    if (!store_) {
        store::StoreOptions options;
        options.create = false;
        options.readOnly = true;
        options.busyTimeoutMs = 2000;
        store_ = std::make_unique<store::RunStore>(file_.toStdString(), options);
    }
    store::RunStore& store = *store_;
    // Every read of one poll sees the same snapshot (one read transaction), so a batch never
    // holds half of a writer's flush and positions cannot skip rows committed in between.
    store.database().exec("BEGIN");
    struct EndRead {
        store::Database& db;
        ~EndRead() {
            try {
                db.exec("COMMIT");
            } catch (...) {
            }
        }
    } endRead{store.database()};

    const store::RunInfo run = store.run(runId_);
    const bool running = run.status == store::RunStatus::Running;
    // A cancel and a resume within one poll interval leave the status `running` at both polls:
    // the new started_at tells.
    const bool restarted =
        initialDone_ && running &&
        ((status_ && *status_ != store::RunStatus::Running) || startedAt_ != run.startedAt);
    if (restarted) {
        // Resumed: the trainer rewrites the steps after its checkpoint, which may be steps
        // already read. Read the run again from the start (the GUI replaces what it shows).
        open(generation_, file_, runId_);
        resetPending_ = true;  // until a poll succeeds, every batch says so
        restartSeen_ = true;
    }
    batch.reset = resetPending_;
    const std::optional<AttemptWindow> window = attemptWindow(store, run);
    // Positions advance only when the whole poll succeeded (a failed poll is read again).
    auto seriesLast = seriesLast_;
    std::int64_t histogramLast = histogramLast_;
    std::int64_t divergenceLast = divergenceLast_;
    std::int64_t evaluationLast = evaluationLast_;
    std::int64_t sampleLast = sampleLast_;
    std::int64_t lastStep = lastStep_;

    batch.initial = !initialDone_;
    if (!status_ || *status_ != run.status || !initialDone_) {
        batch.run = run;
    }

    for (const std::string& key : store.seriesKeys(runId_)) {
        auto [it, added] = seriesLast.try_emplace(key, -1);
        auto points = store.readSeries(runId_, key, it->second);
        if (window) {
            std::erase_if(points, [&](const store::ScalarPoint& p) {
                return p.step > window->resumeStep && p.wallTime < window->startedAt;
            });
        }
        if (points.empty()) {
            continue;
        }
        it->second = points.back().step;
        lastStep = std::max<std::int64_t>(lastStep, points.back().step);
        batch.series.push_back({key, std::move(points)});
    }

    // Histograms, divergences, evaluations and samples carry no time: of a resumed run, those
    // after the resumed checkpoint count once the new attempt's series passed their step (an
    // evaluation is written before the next step's series; at the end, up to its last step).
    std::int64_t bound = std::numeric_limits<std::int64_t>::max();
    if (window) {
        bound = std::max(window->resumeStep, running ? lastStep - 1 : lastStep);
    }
    auto beyond = [bound](const auto& row) { return row.step > bound; };

    // Histograms, divergences and evaluations of one step may arrive in more than one flush
    // (each is its own writer call), so the last step read is read again and only the rows
    // not yet sent are kept.
    auto fresh = [](std::int64_t step, const std::string& id, std::int64_t& last,
                    std::set<std::string>& seenAtLast) {
        if (step < last || (step == last && seenAtLast.count(id) > 0)) {
            return false;
        }
        if (step > last) {
            last = step;
            seenAtLast.clear();
        }
        seenAtLast.insert(id);
        return true;
    };
    auto byStep = [](const auto& a, const auto& b) { return a.step < b.step; };
    auto histogramSeen = histogramSeen_;
    auto histograms = store.histograms(runId_, histogramLast - 1);  // ordered by kind first
    std::erase_if(histograms, beyond);
    std::stable_sort(histograms.begin(), histograms.end(), byStep);
    for (auto& h : histograms) {
        if (fresh(h.step, h.kind, histogramLast, histogramSeen)) {
            batch.histograms.push_back(std::move(h));
        }
    }
    auto divergenceSeen = divergenceSeen_;
    auto divergences = store.divergences(runId_, divergenceLast - 1);  // by level, kind first
    std::erase_if(divergences, beyond);
    std::stable_sort(divergences.begin(), divergences.end(), byStep);
    for (const auto& d : divergences) {
        const std::string id = std::string(store::toString(d.level)) + "/" +
                               std::string(store::toString(d.kind));
        if (fresh(d.step, id, divergenceLast, divergenceSeen)) {
            batch.divergences.push_back(d);
        }
    }
    auto evaluationSeen = evaluationSeen_;
    {
        // RunStore::evaluations reads the whole table; here only the steps from the last one read.
        auto s = store.database().prepare(
            "SELECT split, metric, k, step, value FROM evaluations WHERE run_id = ?1 AND step >= ?2 "
            "AND step <= ?3 ORDER BY step, split, metric, k");
        s.bind(1, static_cast<std::int64_t>(runId_)).bind(2, std::max<std::int64_t>(evaluationLast, 0));
        s.bind(3, bound);
        while (s.step()) {
            store::EvaluationRow e{s.text(0), s.text(1), static_cast<int>(s.int64(2)), s.int64(3),
                                   s.real(4)};
            if (fresh(e.step, e.split + "/" + e.metric + "@" + std::to_string(e.k), evaluationLast,
                      evaluationSeen)) {
                batch.evaluations.push_back(std::move(e));
            }
        }
    }
    std::size_t sampleCount = sampleCount_;
    {
        // The latest validation's samples; sent again whole when more rows of it arrived (the
        // end-of-training test lists share its step: the monitor follows the validation).
        auto latest = store.database().prepare(
            "SELECT step, count(*) FROM samples WHERE run_id = ?1 AND split = 'valid' "
            "AND step = (SELECT max(step) FROM samples WHERE run_id = ?1 AND split = 'valid' "
            "AND step <= ?2)");
        latest.bind(1, static_cast<std::int64_t>(runId_)).bind(2, bound);
        if (latest.step() && !latest.isNull(0)) {
            const std::int64_t step = latest.int64(0);
            const auto count = static_cast<std::size_t>(latest.int64(1));
            if (step > sampleLast || (step == sampleLast && count > sampleCount)) {
                auto s = store.database().prepare(
                    "SELECT step, prompt_id, title, valid, log_prob FROM samples "
                    "WHERE run_id = ?1 AND step = ?2 AND split = 'valid' ORDER BY id");
                s.bind(1, static_cast<std::int64_t>(runId_)).bind(2, step);
                while (s.step()) {
                    batch.samples.push_back(
                        {s.int64(0), s.int64(1), s.text(2), s.int64(3) != 0, s.optReal(4)});
                }
                sampleLast = step;
                sampleCount = batch.samples.size();
            }
        }
    }
    seriesLast_ = std::move(seriesLast);
    histogramLast_ = histogramLast;
    divergenceLast_ = divergenceLast;
    evaluationLast_ = evaluationLast;
    sampleLast_ = sampleLast;
    sampleCount_ = sampleCount;
    histogramSeen_ = std::move(histogramSeen);
    divergenceSeen_ = std::move(divergenceSeen);
    evaluationSeen_ = std::move(evaluationSeen);
    lastStep_ = lastStep;
    status_ = run.status;
    startedAt_ = run.startedAt;
    initialDone_ = true;
    resetPending_ = false;
}

std::optional<StorePoller::AttemptWindow> StorePoller::attemptWindow(store::RunStore& store,
                                                                     const store::RunInfo& run) {
    if (!run.startedAt) {
        return std::nullopt;
    }
    AttemptWindow window{*run.startedAt, -1};
    bool resumed = restartSeen_;
    // A checkpoint older than the attempt: the run was resumed from it (also when this monitor
    // opened the run after the resume). Without one, a restart began at step 0 again.
    for (const store::CheckpointRow& c : store.checkpoints(runId_)) {
        if (c.createdAt < window.startedAt) {
            window.resumeStep = std::max(window.resumeStep, c.step);
            resumed = true;
        }
    }
    if (!resumed) {
        return std::nullopt;
    }
    return window;
}

}  // namespace flower::widgets
