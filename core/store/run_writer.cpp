#include "core/store/run_writer.h"

#include "core/store/run_store.h"
#include "core/store/sqlite_database.h"
#include "core/store/store_schema.h"
#include "core/util/error.h"

#include <atomic>
#include <unordered_map>
#include <utility>

namespace flower::store {

namespace {
struct PendingScalar {
    std::uint32_t series;  // index into Impl::keys
    ScalarPoint point;
};
struct PendingHistogram {
    std::string kind;
    std::int64_t step;
    std::vector<double> bins;
};
struct PendingEvaluation {
    std::string split, metric;
    int k;
    std::int64_t step;
    double value;
};
struct PendingCheckpoint {
    std::int64_t step;
    std::string path;
    std::optional<double> metric;
    double createdAt;
};

// Everything appended since the last flush.
struct Buffer {
    std::vector<PendingScalar> scalars;
    std::vector<PendingHistogram> histograms;
    std::vector<DivergenceRow> divergences;
    std::vector<PendingEvaluation> evaluations;
    std::vector<SampleRow> samples;
    std::vector<PendingCheckpoint> checkpoints;

    std::size_t size() const {
        return scalars.size() + histograms.size() + divergences.size() + evaluations.size() +
               samples.size() + checkpoints.size();
    }
    // Puts `later` after this buffer's records (used to restore a batch that failed to commit).
    void append(Buffer&& later) {
        auto move = [](auto& to, auto& from) {
            to.insert(to.end(), std::make_move_iterator(from.begin()),
                      std::make_move_iterator(from.end()));
        };
        move(scalars, later.scalars);
        move(histograms, later.histograms);
        move(divergences, later.divergences);
        move(evaluations, later.evaluations);
        move(samples, later.samples);
        move(checkpoints, later.checkpoints);
    }
};
}  // namespace

struct RunWriter::Impl {
    // Guarded by bufferMutex.
    std::mutex bufferMutex;
    Buffer buffer;
    std::unordered_map<std::string, std::uint32_t> keyIndex;
    std::vector<std::string> keys;
    bool stop = false;
    bool due = false;
    std::condition_variable wake;
    std::string lastError;

    // Guarded by dbMutex: the connection and everything derived from it.
    std::mutex dbMutex;
    Database db;
    std::vector<std::int64_t> seriesIds;  // by key index; -1 = not looked up yet
    std::optional<Statement> insertSeries, findSeries, insertScalar, insertHistogram,
        insertDivergence, insertEvaluation, insertSample, insertCheckpoint;

    std::atomic<std::int64_t> committed{0};

    explicit Impl(const std::filesystem::path& file)
        : db(file, Database::Mode::ReadWrite) {
        configureConnection(db, false);
        if (readSchemaVersion(db) != kSchemaVersion) {
            throw Error({file.string(), 0, ""},
                        "open the store with RunStore before writing (schema not current)");
        }
        insertSeries.emplace(db, "INSERT OR IGNORE INTO series(run_id, key) VALUES (?1, ?2)");
        findSeries.emplace(db, "SELECT id FROM series WHERE run_id = ?1 AND key = ?2");
        insertScalar.emplace(db,
                             "INSERT OR REPLACE INTO scalars(series_id, step, epoch, value, "
                             "wall_time) VALUES (?1, ?2, ?3, ?4, ?5)");
        insertHistogram.emplace(db,
                                "INSERT OR REPLACE INTO histograms(run_id, kind, step, bin, value) "
                                "VALUES (?1, ?2, ?3, ?4, ?5)");
        insertDivergence.emplace(db,
                                 "INSERT OR REPLACE INTO divergences(run_id, level, kind, step, "
                                 "value) VALUES (?1, ?2, ?3, ?4, ?5)");
        insertEvaluation.emplace(db,
                                 "INSERT OR REPLACE INTO evaluations(run_id, split, metric, k, "
                                 "step, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        insertSample.emplace(db,
                             "INSERT INTO samples(run_id, step, prompt_id, title, valid, log_prob, split) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        insertCheckpoint.emplace(db,
                                 "INSERT OR REPLACE INTO checkpoints(run_id, step, path, metric, "
                                 "created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    }

    std::uint32_t internKey(std::string_view key) {  // bufferMutex held
        auto [it, inserted] =
            keyIndex.try_emplace(std::string(key), static_cast<std::uint32_t>(keys.size()));
        if (inserted) {
            keys.emplace_back(key);
        }
        return it->second;
    }

    // Writes `batch` in one transaction (dbMutex held). Series rows created here are cached only
    // after the commit, since a rollback would remove them.
    void write(std::int64_t runId, const Buffer& batch, const std::vector<std::string>& keyNames) {
        std::vector<std::pair<std::uint32_t, std::int64_t>> newIds;
        auto idOf = [&](std::uint32_t index) {
            if (index < seriesIds.size() && seriesIds[index] >= 0) {
                return seriesIds[index];
            }
            for (const auto& [i, id] : newIds) {
                if (i == index) {
                    return id;
                }
            }
            insertSeries->bind(1, runId).bind(2, keyNames[index]).run();
            findSeries->bind(1, runId).bind(2, keyNames[index]);
            findSeries->step();
            const std::int64_t id = findSeries->int64(0);
            findSeries->reset();
            newIds.emplace_back(index, id);
            return id;
        };
        Transaction t(db);
        std::uint32_t lastIndex = UINT32_MAX;
        std::int64_t lastId = 0;
        for (const auto& s : batch.scalars) {
            if (s.series != lastIndex) {
                lastIndex = s.series;
                lastId = idOf(s.series);
            }
            auto& st = *insertScalar;
            st.bind(1, lastId).bind(2, s.point.step).bind(3, s.point.epoch);
            st.bind(4, s.point.value).bind(5, s.point.wallTime);
            st.run();
        }
        for (const auto& h : batch.histograms) {
            for (std::size_t bin = 0; bin < h.bins.size(); ++bin) {
                insertHistogram->bind(1, runId).bind(2, h.kind).bind(3, h.step);
                insertHistogram->bind(4, static_cast<std::int64_t>(bin)).bind(5, h.bins[bin]);
                insertHistogram->run();
            }
        }
        for (const auto& d : batch.divergences) {
            insertDivergence->bind(1, runId).bind(2, toString(d.level)).bind(3, toString(d.kind));
            insertDivergence->bind(4, d.step).bind(5, d.value).run();
        }
        for (const auto& e : batch.evaluations) {
            insertEvaluation->bind(1, runId).bind(2, e.split).bind(3, e.metric).bind(4, e.k);
            insertEvaluation->bind(5, e.step).bind(6, e.value).run();
        }
        for (const auto& s : batch.samples) {
            insertSample->bind(1, runId).bind(2, s.step).bind(3, s.promptId).bind(4, s.title);
            insertSample->bind(5, s.valid ? 1 : 0).bind(6, s.logProb).bind(7, s.split).run();
        }
        for (const auto& c : batch.checkpoints) {
            insertCheckpoint->bind(1, runId).bind(2, c.step).bind(3, c.path).bind(4, c.metric);
            insertCheckpoint->bind(5, c.createdAt).run();
        }
        t.commit();
        for (const auto& [index, id] : newIds) {
            if (seriesIds.size() <= index) {
                seriesIds.resize(index + 1, -1);
            }
            seriesIds[index] = id;
        }
        ++committed;
    }
};

RunWriter::RunWriter(const std::filesystem::path& storeFile, std::int64_t runId,
                     WriterOptions options)
    : runId_(runId), options_(options), impl_(std::make_unique<Impl>(storeFile)) {
    {
        auto s = impl_->db.prepare("SELECT 1 FROM runs WHERE id = ?1");
        s.bind(1, runId);
        if (!s.step()) {
            throw Error({storeFile.string(), 0, ""}, "no run with id " + std::to_string(runId));
        }
    }
    if (options_.backgroundThread) {
        thread_ = std::thread([this] { loop(); });
    }
}

RunWriter::~RunWriter() {
    {
        std::lock_guard lock(impl_->bufferMutex);
        impl_->stop = true;
    }
    impl_->wake.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    try {
        flush();
    } catch (...) {
        // Nothing left to tell: the points buffered since the last commit are lost, as after a crash.
    }
}

void RunWriter::loop() {
    std::unique_lock lock(impl_->bufferMutex);
    while (!impl_->stop) {
        impl_->wake.wait_for(lock, options_.flushInterval,
                             [this] { return impl_->stop || impl_->due; });
        if (impl_->stop) {
            break;
        }
        impl_->due = false;
        lock.unlock();
        std::string error;
        try {
            flush();
        } catch (const std::exception& e) {
            error = e.what();
        }
        lock.lock();
        if (!error.empty()) {
            impl_->lastError = error;
        }
    }
}

void RunWriter::notifyIfDue(std::size_t buffered) {
    if (buffered >= options_.flushAtPoints && options_.backgroundThread) {
        impl_->due = true;
        impl_->wake.notify_one();
    }
}

void RunWriter::scalar(std::string_view key, std::int64_t step, double value, double epoch,
                       double wallTime) {
    const double wall = wallTime == 0 ? unixNow() : wallTime;
    std::lock_guard lock(impl_->bufferMutex);
    impl_->buffer.scalars.push_back({impl_->internKey(key), {step, epoch, value, wall}});
    notifyIfDue(impl_->buffer.scalars.size());
}

void RunWriter::scalars(std::span<const NamedScalar> points) {
    const double now = unixNow();
    std::lock_guard lock(impl_->bufferMutex);
    for (const auto& p : points) {
        ScalarPoint point = p.point;
        if (point.wallTime == 0) {
            point.wallTime = now;
        }
        impl_->buffer.scalars.push_back({impl_->internKey(p.key), point});
    }
    notifyIfDue(impl_->buffer.scalars.size());
}

void RunWriter::histogram(std::string_view kind, std::int64_t step, std::span<const double> bins) {
    std::lock_guard lock(impl_->bufferMutex);
    impl_->buffer.histograms.push_back(
        {std::string(kind), step, std::vector<double>(bins.begin(), bins.end())});
}

void RunWriter::divergence(DivergenceLevel level, DivergenceKind kind, std::int64_t step,
                           double value) {
    std::lock_guard lock(impl_->bufferMutex);
    impl_->buffer.divergences.push_back({level, kind, step, value});
}

void RunWriter::evaluation(std::string_view split, std::string_view metric, int k,
                           std::int64_t step, double value) {
    std::lock_guard lock(impl_->bufferMutex);
    impl_->buffer.evaluations.push_back({std::string(split), std::string(metric), k, step, value});
}

void RunWriter::sample(std::int64_t step, std::int64_t promptId, std::string_view title,
                       bool valid, std::optional<double> logProb, std::string_view split) {
    std::lock_guard lock(impl_->bufferMutex);
    impl_->buffer.samples.push_back(
        {step, promptId, std::string(title), valid, logProb, std::string(split)});
}

void RunWriter::checkpoint(std::int64_t step, const std::string& path,
                           std::optional<double> metric) {
    std::lock_guard lock(impl_->bufferMutex);
    impl_->buffer.checkpoints.push_back({step, path, metric, unixNow()});
}

std::size_t RunWriter::flush() {
    // dbMutex first: two flushes must commit in append order (a later point replaces an earlier
    // one at the same step).
    std::lock_guard dbLock(impl_->dbMutex);
    Buffer batch;
    std::vector<std::string> keyNames;
    std::string pendingError;
    {
        std::lock_guard lock(impl_->bufferMutex);
        std::swap(batch, impl_->buffer);
        keyNames = impl_->keys;  // small: one string per series
        std::swap(pendingError, impl_->lastError);
    }
    const std::size_t count = batch.size();
    if (count > 0) {
        try {
            impl_->write(runId_, batch, keyNames);
        } catch (...) {
            std::lock_guard lock(impl_->bufferMutex);
            batch.append(std::move(impl_->buffer));
            impl_->buffer = std::move(batch);
            throw;
        }
    }
    if (!pendingError.empty()) {
        throw Error("an earlier background flush of run " + std::to_string(runId_) +
                    " failed (its points were kept and are now written): " + pendingError);
    }
    return count;
}

void RunWriter::finish(RunStatus status, const std::string& error) {
    {
        std::lock_guard lock(impl_->bufferMutex);
        impl_->stop = true;
    }
    impl_->wake.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    flush();
    if (status == RunStatus::Queued || status == RunStatus::Running) {
        throw Error("RunWriter::finish needs a final state, not " + std::string(toString(status)));
    }
    std::lock_guard dbLock(impl_->dbMutex);
    auto s = impl_->db.prepare(
        "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4 WHERE id = ?1");
    s.bind(1, runId_).bind(2, toString(status)).bind(3, unixNow());
    if (error.empty()) {
        s.bindNull(4);
    } else {
        s.bind(4, error);
    }
    s.run();
}

std::int64_t RunWriter::committedFlushes() const { return impl_->committed.load(); }

}  // namespace flower::store
