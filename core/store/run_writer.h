// RunWriter: the worker thread's batched writer for one run. Calls buffer points in memory;
// a flush writes everything buffered in ONE transaction (so readers see a flush whole or not
// at all). Flushes happen on a background timer (default every 250 ms, at least every
// second), when the buffer passes `flushAtPoints`, on flush(), and on finish()/destruction.
//
// Thread safety: every method may be called from any thread; appends only take a mutex and
// never touch SQLite. A group appended by one call (scalars(span), histogram bins) is never
// split across two transactions. The writer owns its own connection to the file.
// Failure: a failed background flush keeps the points buffered, retries on the next tick and
// is rethrown (flower::Error) by the next flush()/finish(); the destructor never throws.
// Durability: a committed flush survives a crash of the process (WAL, synchronous=NORMAL).
#pragma once

#include "core/store/run_records.h"

#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace flower::store {

struct WriterOptions {
    std::chrono::milliseconds flushInterval{250};  // background flush period (≤ 1 s)
    std::size_t flushAtPoints = 20000;             // wake the flusher early past this many
    bool backgroundThread = true;                  // false: only explicit flush() writes
};

// One scalar of a group written together (e.g. all losses of one step).
struct NamedScalar {
    std::string key;
    ScalarPoint point;
};

class RunWriter {
public:
    RunWriter(const std::filesystem::path& storeFile, std::int64_t runId, WriterOptions options = {});
    ~RunWriter();
    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;

    std::int64_t runId() const { return runId_; }

    // A point of series `key`; wallTime 0 means "now". A later point at the same step replaces it.
    void scalar(std::string_view key, std::int64_t step, double value, double epoch = 0,
                double wallTime = 0);
    // Several points appended atomically (same transaction).
    void scalars(std::span<const NamedScalar> points);
    void histogram(std::string_view kind, std::int64_t step, std::span<const double> bins);
    void divergence(DivergenceLevel level, DivergenceKind kind, std::int64_t step, double value);
    void evaluation(std::string_view split, std::string_view metric, int k, std::int64_t step,
                    double value);
    void sample(std::int64_t step, std::int64_t promptId, std::string_view title, bool valid,
                std::optional<double> logProb, std::string_view split = "valid");
    void checkpoint(std::int64_t step, const std::string& path, std::optional<double> metric);

    // Writes everything buffered now, in one transaction. Returns the number of records written.
    std::size_t flush();
    // flush(), then the run's final state (finished, failed, cancelled). Stops the timer.
    void finish(RunStatus status, const std::string& error = {});

    // Transactions committed so far (for tests and progress displays).
    std::int64_t committedFlushes() const;

private:
    struct Impl;
    void notifyIfDue(std::size_t buffered);
    void loop();

    std::int64_t runId_;
    WriterOptions options_;
    std::unique_ptr<Impl> impl_;
    std::thread thread_;
};

}  // namespace flower::store
