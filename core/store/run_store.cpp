#include "core/store/run_store.h"

#include "core/store/process_owner.h"
#include "core/store/store_location.h"
#include "core/store/store_schema.h"
#include "core/util/error.h"
#include "core/util/remove_tree.h"
#include "flower/build_info.h"

#include <nlohmann/json.hpp>

#include <chrono>

namespace flower::store {

namespace {

constexpr const char* kRunColumns =
    "SELECT id, name, status, created_at, started_at, finished_at, config_json, method, dataset, "
    "seed, code_version, host, device, error, owner_pid, owner_host, notes, sweep_id, sweep_point "
    "FROM runs";

RunInfo readRun(const Statement& s) {
    RunInfo r;
    r.id = s.int64(0);
    r.name = s.text(1);
    r.status = parseRunStatus(s.text(2));
    r.createdAt = s.real(3);
    r.startedAt = s.optReal(4);
    r.finishedAt = s.optReal(5);
    r.configJson = s.text(6);
    r.method = s.text(7);
    r.dataset = s.text(8);
    r.seed = s.int64(9);
    r.codeVersion = s.text(10);
    r.host = s.text(11);
    r.device = s.text(12);
    r.error = s.optText(13);
    r.ownerPid = s.optInt64(14);
    r.ownerHost = s.optText(15);
    r.notes = s.text(16);
    r.sweepId = s.optInt64(17);
    r.sweepPoint = s.text(18);
    return r;
}

Database::Mode modeFor(const StoreOptions& o) {
    if (o.readOnly) {
        return Database::Mode::ReadOnly;
    }
    return o.create ? Database::Mode::ReadWriteCreate : Database::Mode::ReadWrite;
}

}  // namespace

std::string codeVersion() {
    return std::string(flower::build::kVersion) + "+" + flower::build::kGitCommit;
}

double unixNow() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

RunStore::RunStore(const std::filesystem::path& file, StoreOptions options)
    : db_([&] {
          if (!options.create && !std::filesystem::exists(file)) {
              throw Error({file.string(), 0, ""}, "no run store here (the file does not exist)");
          }
          return Database(file, modeFor(options), options.busyTimeoutMs);
      }()) {
    configureConnection(db_, options.readOnly);
    if (options.readOnly) {
        const int version = readSchemaVersion(db_);
        if (version != kSchemaVersion) {
            throw Error({file.string(), 0, ""},
                        "schema version " + std::to_string(version) + " (this build reads " +
                            std::to_string(kSchemaVersion) + "; open it read-write to migrate)");
        }
        return;
    }
    migrateToCurrent(db_);
    markInterruptedRuns();
}

int RunStore::schemaVersion() { return readSchemaVersion(db_); }

std::string RunStore::integrityCheck() { return db_.queryText("PRAGMA integrity_check"); }

std::int64_t RunStore::createRun(const NewRun& run) {
    auto s = db_.prepare(
        "INSERT INTO runs(name, status, created_at, config_json, method, dataset, seed, "
        "code_version, host, device, sweep_id, sweep_point) "
        "VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    s.bind(1, run.name).bind(2, unixNow()).bind(3, run.configJson).bind(4, run.method);
    s.bind(5, run.dataset).bind(6, run.seed).bind(7, codeVersion()).bind(8, hostName());
    s.bind(9, run.device);
    if (run.sweepId) {
        s.bind(10, *run.sweepId);
    } else {
        s.bindNull(10);
    }
    s.bind(11, run.sweepPoint);
    s.run();
    return db_.lastInsertId();
}

void RunStore::startRun(std::int64_t runId) {
    const RunInfo info = run(runId);
    // Interrupted and cancelled runs restart from their last checkpoint (`flower resume`).
    if (info.status != RunStatus::Queued && info.status != RunStatus::Interrupted &&
        info.status != RunStatus::Cancelled) {
        throw Error({file().string(), 0, "run " + std::to_string(runId)},
                    "cannot start a run in state " + std::string(toString(info.status)));
    }
    const ProcessOwner owner = ProcessOwner::current();
    auto s = db_.prepare(
        "UPDATE runs SET status = 'running', started_at = ?2, finished_at = NULL, error = NULL, "
        "owner_pid = ?3, owner_host = ?4, owner_start = ?5 WHERE id = ?1");
    s.bind(1, runId).bind(2, unixNow()).bind(3, owner.pid).bind(4, owner.host);
    s.bind(5, owner.start);
    s.run();
}

void RunStore::finishRun(std::int64_t runId, RunStatus status, const std::string& error) {
    if (status == RunStatus::Queued || status == RunStatus::Running) {
        throw Error({file().string(), 0, "run " + std::to_string(runId)},
                    "finishRun needs a final state, not " + std::string(toString(status)));
    }
    run(runId);  // throws for an unknown id
    auto s = db_.prepare(
        "UPDATE runs SET status = ?2, finished_at = ?3, error = ?4 WHERE id = ?1");
    s.bind(1, runId).bind(2, toString(status)).bind(3, unixNow());
    if (error.empty()) {
        s.bindNull(4);
    } else {
        s.bind(4, error);
    }
    s.run();
}

int RunStore::markInterruptedRuns() {
    auto running = db_.prepare(
        "SELECT id, owner_pid, owner_host, owner_start FROM runs WHERE status = 'running'");
    std::vector<std::int64_t> dead;
    while (running.step()) {
        ProcessOwner owner{running.optInt64(1).value_or(0), running.optText(2).value_or(""),
                           running.optText(3).value_or("")};
        // A running run without an owner host predates liveness tracking: treat it as local.
        if (owner.host.empty()) {
            owner.host = hostName();
        }
        if (!ownerIsAlive(owner)) {
            dead.push_back(running.int64(0));
        }
    }
    running.reset();
    if (dead.empty()) {
        return 0;
    }
    Transaction t(db_);
    auto mark = db_.prepare(
        "UPDATE runs SET status = 'interrupted', finished_at = ?2, error = ?3 "
        "WHERE id = ?1 AND status = 'running'");
    for (const auto id : dead) {
        mark.bind(1, id).bind(2, unixNow()).bind(3, "the owning process ended without finishing");
        mark.run();
    }
    t.commit();
    return static_cast<int>(dead.size());
}

void RunStore::deleteRun(std::int64_t runId) {
    const RunInfo info = run(runId);
    if (info.status == RunStatus::Running) {
        throw Error({file().string(), 0, "run " + std::to_string(runId)},
                    "cannot delete a running run (cancel it first)");
    }
    {
        // Foreign keys cascade to series, scalars, histograms, ... (configureConnection).
        Transaction t(db_);
        auto s = db_.prepare("DELETE FROM runs WHERE id = ?1");
        s.bind(1, runId).run();
        t.commit();
    }
    // The rows go first: a folder without a row is harmless, a row without its folder is not.
    util::removeTree(runDirectory(file(), runId));
}

void RunStore::clearMeasurements(std::int64_t runId) {
    refuseRunning(runId, "clear the measurements of");
    Transaction t(db_);
    // series cascades to scalars; one transaction, so a reader sees all of them or none.
    for (const char* table :
         {"series", "histograms", "divergences", "evaluations", "samples", "checkpoints"}) {
        auto s = db_.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?1");
        s.bind(1, runId).run();
    }
    t.commit();
}

void RunStore::truncateMeasurements(std::int64_t runId, std::int64_t afterStep) {
    refuseRunning(runId, "truncate the measurements of");
    Transaction t(db_);
    auto points = db_.prepare(
        "DELETE FROM scalars WHERE step > ?2 AND series_id IN (SELECT id FROM series WHERE "
        "run_id = ?1)");
    points.bind(1, runId).bind(2, afterStep).run();
    for (const char* table : {"histograms", "divergences", "evaluations", "samples", "checkpoints"}) {
        auto s = db_.prepare(std::string("DELETE FROM ") + table +
                             " WHERE run_id = ?1 AND step > ?2");
        s.bind(1, runId).bind(2, afterStep).run();
    }
    for (const char* table : {"evaluations", "samples"}) {
        auto s = db_.prepare(std::string("DELETE FROM ") + table +
                             " WHERE run_id = ?1 AND split = 'test'");
        s.bind(1, runId).run();
    }
    auto testSeries = db_.prepare("DELETE FROM series WHERE run_id = ?1 AND key LIKE 'test/%'");
    testSeries.bind(1, runId).run();
    t.commit();
}

void RunStore::refuseRunning(std::int64_t runId, const char* what) {
    if (run(runId).status == RunStatus::Running) {
        throw Error({file().string(), 0, "run " + std::to_string(runId)},
                    std::string("cannot ") + what + " a running run");
    }
}

void RunStore::setDevice(std::int64_t runId, const std::string& device) {
    run(runId);
    auto s = db_.prepare("UPDATE runs SET device = ?2 WHERE id = ?1");
    s.bind(1, runId).bind(2, device).run();
}

std::optional<std::int64_t> RunStore::nextQueuedRun() {
    auto s = db_.prepare("SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT 1");
    if (!s.step()) {
        return std::nullopt;
    }
    return s.int64(0);
}

std::vector<RunInfo> RunStore::listRuns() {
    auto s = db_.prepare(std::string(kRunColumns) + " ORDER BY id");
    std::vector<RunInfo> runs;
    while (s.step()) {
        runs.push_back(readRun(s));
    }
    return runs;
}

std::optional<RunInfo> RunStore::findRun(std::int64_t runId) {
    auto s = db_.prepare(std::string(kRunColumns) + " WHERE id = ?1");
    s.bind(1, runId);
    if (!s.step()) {
        return std::nullopt;
    }
    return readRun(s);
}

RunInfo RunStore::run(std::int64_t runId) {
    auto r = findRun(runId);
    if (!r) {
        throw Error({file().string(), 0, ""}, "no run with id " + std::to_string(runId));
    }
    return *r;
}

std::int64_t RunStore::createSweep(const NewSweep& sweep) {
    auto s = db_.prepare(
        "INSERT INTO sweeps(name, file, varied_json, axes_json, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, sweep.name).bind(2, sweep.file).bind(3, nlohmann::json(sweep.variedKeys).dump());
    s.bind(4, sweep.axesJson.empty() ? std::string("{}") : sweep.axesJson).bind(5, unixNow());
    s.run();
    return db_.lastInsertId();
}

namespace {

constexpr const char* kSweepColumns =
    "SELECT id, name, file, varied_json, axes_json, created_at FROM sweeps";

SweepInfo readSweep(const Statement& s, const std::string& file) {
    SweepInfo w;
    w.id = s.int64(0);
    w.name = s.text(1);
    w.file = s.text(2);
    try {
        w.variedKeys = nlohmann::json::parse(s.text(3)).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception&) {
        throw Error({file, 0, "sweeps.varied_json"},
                    "sweep " + std::to_string(w.id) + ": expected a JSON list of keys, got " +
                        s.text(3));
    }
    w.axesJson = s.text(4);
    w.createdAt = s.real(5);
    return w;
}

}  // namespace

std::vector<SweepInfo> RunStore::listSweeps() {
    auto s = db_.prepare(std::string(kSweepColumns) + " ORDER BY id");
    std::vector<SweepInfo> sweeps;
    while (s.step()) {
        sweeps.push_back(readSweep(s, file().string()));
    }
    return sweeps;
}

std::optional<SweepInfo> RunStore::findSweep(std::int64_t sweepId) {
    auto s = db_.prepare(std::string(kSweepColumns) + " WHERE id = ?1");
    s.bind(1, sweepId);
    if (!s.step()) {
        return std::nullopt;
    }
    return readSweep(s, file().string());
}

std::vector<std::int64_t> RunStore::sweepRuns(std::int64_t sweepId) {
    auto s = db_.prepare("SELECT id FROM runs WHERE sweep_id = ?1 ORDER BY id");
    s.bind(1, sweepId);
    std::vector<std::int64_t> ids;
    while (s.step()) {
        ids.push_back(s.int64(0));
    }
    return ids;
}

void RunStore::setNotes(std::int64_t runId, const std::string& notes) {
    run(runId);
    auto s = db_.prepare("UPDATE runs SET notes = ?2 WHERE id = ?1");
    s.bind(1, runId).bind(2, notes).run();
}

void RunStore::addTag(std::int64_t runId, const std::string& tag) {
    run(runId);
    auto s = db_.prepare("INSERT OR IGNORE INTO tags(run_id, tag) VALUES (?1, ?2)");
    s.bind(1, runId).bind(2, tag).run();
}

void RunStore::removeTag(std::int64_t runId, const std::string& tag) {
    auto s = db_.prepare("DELETE FROM tags WHERE run_id = ?1 AND tag = ?2");
    s.bind(1, runId).bind(2, tag).run();
}

std::vector<std::string> RunStore::tags(std::int64_t runId) {
    auto s = db_.prepare("SELECT tag FROM tags WHERE run_id = ?1 ORDER BY tag");
    s.bind(1, runId);
    std::vector<std::string> out;
    while (s.step()) {
        out.push_back(s.text(0));
    }
    return out;
}

std::vector<std::string> RunStore::seriesKeys(std::int64_t runId) {
    auto s = db_.prepare("SELECT key FROM series WHERE run_id = ?1 ORDER BY key");
    s.bind(1, runId);
    std::vector<std::string> out;
    while (s.step()) {
        out.push_back(s.text(0));
    }
    return out;
}

std::vector<ScalarPoint> RunStore::readSeries(std::int64_t runId, const std::string& key,
                                              std::int64_t afterStep) {
    auto s = db_.prepare(
        "SELECT step, epoch, value, wall_time FROM scalars WHERE series_id = "
        "(SELECT id FROM series WHERE run_id = ?1 AND key = ?2) AND step > ?3 ORDER BY step");
    s.bind(1, runId).bind(2, key).bind(3, afterStep);
    std::vector<ScalarPoint> out;
    while (s.step()) {
        out.push_back({s.int64(0), s.real(1), s.real(2), s.real(3)});
    }
    return out;
}

std::vector<HistogramRow> RunStore::histograms(std::int64_t runId, std::int64_t afterStep) {
    auto s = db_.prepare(
        "SELECT kind, step, bin, value FROM histograms WHERE run_id = ?1 AND step > ?2 "
        "ORDER BY kind, step, bin");
    s.bind(1, runId).bind(2, afterStep);
    std::vector<HistogramRow> out;
    while (s.step()) {
        const std::string kind = s.text(0);
        const std::int64_t step = s.int64(1);
        if (out.empty() || out.back().kind != kind || out.back().step != step) {
            out.push_back({kind, step, {}});
        }
        auto& bins = out.back().bins;
        const auto bin = static_cast<size_t>(s.int64(2));
        if (bins.size() <= bin) {
            bins.resize(bin + 1, 0.0);
        }
        bins[bin] = s.real(3);
    }
    return out;
}

std::vector<DivergenceRow> RunStore::divergences(std::int64_t runId, std::int64_t afterStep) {
    auto s = db_.prepare(
        "SELECT level, kind, step, value FROM divergences WHERE run_id = ?1 AND step > ?2 "
        "ORDER BY level, kind, step");
    s.bind(1, runId).bind(2, afterStep);
    std::vector<DivergenceRow> out;
    while (s.step()) {
        DivergenceRow row;
        row.level = s.text(0) == "title" ? DivergenceLevel::Title : DivergenceLevel::Token;
        const std::string kind = s.text(1);
        row.kind = kind == "kl_tr"   ? DivergenceKind::KlTargetPolicy
                   : kind == "kl_rt" ? DivergenceKind::KlPolicyTarget
                                     : DivergenceKind::Js;
        row.step = s.int64(2);
        row.value = s.real(3);
        out.push_back(row);
    }
    return out;
}

std::vector<EvaluationRow> RunStore::evaluations(std::int64_t runId) {
    auto s = db_.prepare(
        "SELECT split, metric, k, step, value FROM evaluations WHERE run_id = ?1 "
        "ORDER BY step, split, metric, k");
    s.bind(1, runId);
    std::vector<EvaluationRow> out;
    while (s.step()) {
        out.push_back({s.text(0), s.text(1), static_cast<int>(s.int64(2)), s.int64(3), s.real(4)});
    }
    return out;
}

std::vector<SampleRow> RunStore::samples(std::int64_t runId) {
    auto s = db_.prepare(
        "SELECT step, prompt_id, title, valid, log_prob, split FROM samples WHERE run_id = ?1 "
        "ORDER BY step, id");
    s.bind(1, runId);
    std::vector<SampleRow> out;
    while (s.step()) {
        out.push_back({s.int64(0), s.int64(1), s.text(2), s.int64(3) != 0, s.optReal(4), s.text(5)});
    }
    return out;
}

std::vector<CheckpointRow> RunStore::checkpoints(std::int64_t runId) {
    auto s = db_.prepare(
        "SELECT step, path, metric, created_at FROM checkpoints WHERE run_id = ?1 ORDER BY step");
    s.bind(1, runId);
    std::vector<CheckpointRow> out;
    while (s.step()) {
        out.push_back({s.int64(0), s.text(1), s.optReal(2), s.real(3)});
    }
    return out;
}

RunFigures RunStore::figures(std::int64_t runId, const std::string& metricKey,
                             bool higherIsBetter) {
    RunFigures f;
    auto last = db_.prepare(
        "SELECT step, value FROM scalars WHERE series_id = "
        "(SELECT id FROM series WHERE run_id = ?1 AND key = 'loss/total') "
        "ORDER BY step DESC LIMIT 1");
    last.bind(1, runId);
    if (last.step()) {
        f.lastStep = last.int64(0);
        f.lastLoss = last.real(1);
    }
    auto best = db_.prepare(higherIsBetter
                                ? "SELECT max(value) FROM scalars WHERE series_id = "
                                  "(SELECT id FROM series WHERE run_id = ?1 AND key = ?2)"
                                : "SELECT min(value) FROM scalars WHERE series_id = "
                                  "(SELECT id FROM series WHERE run_id = ?1 AND key = ?2)");
    best.bind(1, runId).bind(2, metricKey);
    if (best.step()) {
        f.bestMetric = best.optReal(0);
    }
    auto js = db_.prepare(
        "SELECT value FROM divergences WHERE run_id = ?1 AND level = 'title' AND kind = 'js' "
        "ORDER BY step DESC LIMIT 1");
    js.bind(1, runId);
    if (js.step()) {
        f.titleJs = js.real(0);
    }
    return f;
}

}  // namespace flower::store
