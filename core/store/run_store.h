// RunStore: the workspace's SQLite file of runs (schema in store_schema.h). Registers runs and
// moves them through their states, and reads everything back for the GUI, the CLI and the
// exporters. Points are written by RunWriter (run_writer.h), batched, from the worker thread.
//
// Concurrency: one RunStore per thread (a connection is not shared across threads). Any number
// of readers in any process see committed transactions only (WAL); writers wait on
// busy_timeout, so "database is locked" does not reach callers in normal use.
// Opening a store (read-write) creates or migrates the schema and marks runs `interrupted`
// whose owning process on this host has died.
// Failure: flower::Error naming the file (cannot open, newer schema, unknown run id).
#pragma once

#include "core/store/run_records.h"
#include "core/store/sqlite_database.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace flower::store {

struct StoreOptions {
    bool create = true;     // create the file when absent (else: error)
    bool readOnly = false;  // no migration, no interrupted marking; fails on an old schema
    int busyTimeoutMs = 10000;
};

class RunStore {
public:
    explicit RunStore(const std::filesystem::path& file, StoreOptions options = {});

    const std::filesystem::path& file() const { return db_.file(); }
    int schemaVersion();
    // "ok" for a sound file (PRAGMA integrity_check).
    std::string integrityCheck();

    // --- runs -------------------------------------------------------------------------------
    // A new run in state `queued`; returns its id.
    std::int64_t createRun(const NewRun& run);
    // queued (or interrupted / cancelled: a resume) → running, owned by this process (pid,
    // host, start time); sets started_at. Finished and failed runs are final.
    void startRun(std::int64_t runId);
    // running → finished / failed / cancelled / interrupted; sets finished_at and the error text.
    void finishRun(std::int64_t runId, RunStatus status, const std::string& error = {});
    // Runs in `running` whose owner on this host is gone become `interrupted`. Returns how many.
    int markInterruptedRuns();
    // Deletes a run that is not running: its rows in every table and its folder
    // (runDirectory(file(), runId)). Throws flower::Error for an unknown or running run.
    void deleteRun(std::int64_t runId);
    // Removes a run's measurements (series and their points, histograms, divergences,
    // evaluations, samples, checkpoint rows) but keeps the run, its tags and notes: a run
    // started over from step 0. Throws flower::Error for an unknown or running run.
    void clearMeasurements(std::int64_t runId);
    // Removes what a run measured after step `afterStep` (points, histograms, divergences,
    // evaluations, samples, checkpoint rows) and every row of its test split (evaluated after
    // the last step only): a run resumed from a checkpoint of that step computes them again,
    // and must not find the killed attempt's rows (samples would be doubled). Throws
    // flower::Error for an unknown or running run.
    void truncateMeasurements(std::int64_t runId, std::int64_t afterStep);
    // The device a run trains on ("cpu", "cuda"), once its assembly has chosen it.
    void setDevice(std::int64_t runId, const std::string& device);
    // The oldest run in state `queued` (the next one the queue starts), if any.
    std::optional<std::int64_t> nextQueuedRun();

    std::vector<RunInfo> listRuns();
    std::optional<RunInfo> findRun(std::int64_t runId);
    RunInfo run(std::int64_t runId);  // throws flower::Error when absent
    void setNotes(std::int64_t runId, const std::string& notes);
    void addTag(std::int64_t runId, const std::string& tag);
    void removeTag(std::int64_t runId, const std::string& tag);
    std::vector<std::string> tags(std::int64_t runId);

    // --- sweeps (issue 18) ------------------------------------------------------------------
    // A new sweep; its runs name it in NewRun::sweepId. Returns its id.
    std::int64_t createSweep(const NewSweep& sweep);
    std::vector<SweepInfo> listSweeps();
    std::optional<SweepInfo> findSweep(std::int64_t sweepId);
    // The runs of a sweep, in id order (= expansion order when queued by one call).
    std::vector<std::int64_t> sweepRuns(std::int64_t sweepId);

    // --- measurements ----------------------------------------------------------------------
    std::vector<std::string> seriesKeys(std::int64_t runId);
    // Points of one series with step > afterStep, in step order (an index range scan).
    std::vector<ScalarPoint> readSeries(std::int64_t runId, const std::string& key,
                                        std::int64_t afterStep = -1);
    std::vector<HistogramRow> histograms(std::int64_t runId, std::int64_t afterStep = -1);
    std::vector<DivergenceRow> divergences(std::int64_t runId, std::int64_t afterStep = -1);
    std::vector<EvaluationRow> evaluations(std::int64_t runId);
    std::vector<SampleRow> samples(std::int64_t runId);
    std::vector<CheckpointRow> checkpoints(std::int64_t runId);
    // Last loss/total, best value of series `metricKey` (min, or max when higherIsBetter) and
    // the last title JS: three index lookups, cheap enough to poll for every running run.
    RunFigures figures(std::int64_t runId, const std::string& metricKey, bool higherIsBetter);

    // The connection, for tests and tools that need a query of their own.
    Database& database() { return db_; }

private:
    void refuseRunning(std::int64_t runId, const char* what);

    Database db_;
};

// "0.1.0+<git commit>" of this build.
std::string codeVersion();
double unixNow();

}  // namespace flower::store
