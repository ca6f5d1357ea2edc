// RunStore and RunWriter in one process: schema creation, migration from a hand-made v1 file,
// run life cycle, batched writes (nothing visible before a flush, everything after), every
// record kind read back, interrupted-run detection and pid reuse.
#include "core/store/process_owner.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/sqlite_database.h"
#include "core/store/store_schema.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace flower::store;
namespace fs = std::filesystem;

namespace {

fs::path freshDb(const std::string& name) {
    return flower::test::freshFolder(name) / "runs.sqlite";
}

std::int64_t newRun(RunStore& store, const std::string& name = "r") {
    NewRun run;
    run.name = name;
    run.configJson = R"({"method":"flower"})";
    run.method = "flower";
    run.dataset = "synthetic";
    run.seed = 7;
    run.device = "cpu";
    return store.createRun(run);
}

// The schema as version 1 shipped it, written out by hand (not through the migrations).
const char* kV1Schema = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,
  created_at REAL NOT NULL, started_at REAL, finished_at REAL, config_json TEXT NOT NULL,
  method TEXT NOT NULL DEFAULT '', dataset TEXT NOT NULL DEFAULT '', seed INTEGER NOT NULL DEFAULT 0,
  code_version TEXT NOT NULL DEFAULT '', host TEXT NOT NULL DEFAULT '',
  device TEXT NOT NULL DEFAULT '', error TEXT);
CREATE TABLE series (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id)
  ON DELETE CASCADE, key TEXT NOT NULL, UNIQUE (run_id, key));
CREATE TABLE scalars (series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
  step INTEGER NOT NULL, epoch REAL NOT NULL, value REAL NOT NULL, wall_time REAL NOT NULL,
  PRIMARY KEY (series_id, step)) WITHOUT ROWID;
CREATE TABLE histograms (run_id INTEGER NOT NULL, kind TEXT NOT NULL, step INTEGER NOT NULL,
  bin INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, kind, step, bin)) WITHOUT ROWID;
CREATE TABLE divergences (run_id INTEGER NOT NULL, level TEXT NOT NULL, kind TEXT NOT NULL,
  step INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, level, kind, step)) WITHOUT ROWID;
CREATE TABLE evaluations (run_id INTEGER NOT NULL, split TEXT NOT NULL, metric TEXT NOT NULL,
  k INTEGER NOT NULL, step INTEGER NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (run_id, split, metric, k, step)) WITHOUT ROWID;
CREATE TABLE samples (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, step INTEGER NOT NULL,
  prompt_id INTEGER NOT NULL, title TEXT NOT NULL, valid INTEGER NOT NULL, log_prob REAL);
CREATE TABLE checkpoints (run_id INTEGER NOT NULL, step INTEGER NOT NULL, path TEXT NOT NULL,
  metric REAL, created_at REAL NOT NULL, PRIMARY KEY (run_id, step));
INSERT INTO runs(id, name, status, created_at, config_json, seed) VALUES
  (1, 'old-finished', 'finished', 1000.0, '{}', 3),
  (2, 'old-running', 'running', 1001.0, '{}', 4);
INSERT INTO series(id, run_id, key) VALUES (1, 1, 'loss');
INSERT INTO scalars VALUES (1, 0, 0.0, 2.5, 1000.5), (1, 1, 0.0, 2.0, 1000.6);
INSERT INTO samples(run_id, step, prompt_id, title, valid, log_prob) VALUES (1, 1, 0, 'Old Title', 1, -0.5);
)sql";

}  // namespace

class TestRunStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createsSchemaWithWal();
    void migratesFromVersion1();
    void refusesNewerSchema();
    void refusesForeignFile();
    void runLifeCycle();
    void unknownRunIsAnError();
    void nothingVisibleBeforeFlush();
    void backgroundTimerFlushes();
    void fullBufferWakesFlusher();
    void appendsFromSeveralThreads();
    void readsSeriesAfterStep();
    void recordsEveryKind();
    void laterPointReplacesSameStep();
    void interruptedWhenOwnerGone();
    void liveOwnerStaysRunning();
    void reusedPidCountsAsGone();
    void tagsAndNotes();
    void clearMeasurementsKeepsTheRun();
    void truncateKeepsWhatPrecedesTheCheckpoint();
    void sweepsAndTheirRuns();
};

void TestRunStore::createsSchemaWithWal() {
    const fs::path file = freshDb("create");
    RunStore store(file);
    QCOMPARE(store.schemaVersion(), kSchemaVersion);
    QCOMPARE(store.database().queryText("PRAGMA journal_mode"), std::string("wal"));
    QCOMPARE(store.database().queryText("PRAGMA foreign_keys"), std::string("1"));
    QCOMPARE(store.integrityCheck(), std::string("ok"));
    // Opening again changes nothing.
    RunStore again(file);
    QCOMPARE(again.schemaVersion(), kSchemaVersion);
    QVERIFY(again.listRuns().empty());
}

void TestRunStore::migratesFromVersion1() {
    const fs::path file = freshDb("migrate");
    {
        Database db(file, Database::Mode::ReadWriteCreate);
        db.exec(kV1Schema);
    }
    RunStore store(file);
    QCOMPARE(store.schemaVersion(), 4);
    const auto runs = store.listRuns();
    QCOMPARE(runs.size(), size_t{2});
    QCOMPARE(runs[0].name, std::string("old-finished"));
    QCOMPARE(runs[0].seed, std::int64_t{3});
    QCOMPARE(runs[0].notes, std::string(""));
    QCOMPARE(std::string(toString(runs[0].status)), std::string("finished"));
    // A v1 run left in `running` has no owner to ask: it was interrupted.
    QCOMPARE(std::string(toString(runs[1].status)), std::string("interrupted"));
    const auto loss = store.readSeries(1, "loss");
    QCOMPARE(loss.size(), size_t{2});
    QCOMPARE(loss[1].value, 2.0);
    store.addTag(1, "baseline");  // the v2 table exists
    QCOMPARE(store.tags(1), std::vector<std::string>({"baseline"}));
    // v3: samples carry their split; older ones were validation samples.
    const auto samples = store.samples(1);
    QCOMPARE(samples.size(), size_t{1});
    QCOMPARE(samples[0].title, std::string("Old Title"));
    QCOMPARE(samples[0].split, std::string("valid"));
    // v4: the sweeps table; older runs belong to none.
    QVERIFY(!runs[0].sweepId.has_value());
    QCOMPARE(runs[0].sweepPoint, std::string(""));
    QVERIFY(store.listSweeps().empty());
    QCOMPARE(store.integrityCheck(), std::string("ok"));
}

// A sweep row keeps its file and varied keys; its runs name it and their point; deleting a
// run leaves the sweep, and runs outside it are not listed.
void TestRunStore::sweepsAndTheirRuns() {
    const fs::path file = freshDb("sweeps");
    RunStore store(file);
    NewSweep sweep;
    sweep.name = "lambda-seeds";
    sweep.file = "/tmp/s.json";
    sweep.variedKeys = {"lambda", "seed"};
    sweep.axesJson = R"({"grid":{"lambda":[0.1,1],"seed":[1,2]}})";
    const std::int64_t id = store.createSweep(sweep);
    const std::int64_t outside = newRun(store, "alone");
    std::vector<std::int64_t> members;
    for (const char* point : {R"({"lambda":0.1,"seed":1})", R"({"lambda":0.1,"seed":2})"}) {
        NewRun run;
        run.name = std::string("lambda-seeds/") + point;
        run.configJson = "{}";
        run.sweepId = id;
        run.sweepPoint = point;
        members.push_back(store.createRun(run));
    }
    QCOMPARE(store.sweepRuns(id), members);
    const auto info = store.findSweep(id);
    QVERIFY(info.has_value());
    QCOMPARE(info->name, std::string("lambda-seeds"));
    QCOMPARE(info->file, std::string("/tmp/s.json"));
    QCOMPARE(info->variedKeys, std::vector<std::string>({"lambda", "seed"}));
    QCOMPARE(info->axesJson, sweep.axesJson);
    QCOMPARE(store.listSweeps().size(), size_t{1});
    QVERIFY(!store.findSweep(id + 1).has_value());
    const RunInfo member = store.run(members[1]);
    QCOMPARE(member.sweepId.value_or(0), id);
    QCOMPARE(member.sweepPoint, std::string(R"({"lambda":0.1,"seed":2})"));
    QVERIFY(!store.run(outside).sweepId.has_value());
    store.deleteRun(members[0]);
    QCOMPARE(store.sweepRuns(id), std::vector<std::int64_t>({members[1]}));
    QCOMPARE(store.integrityCheck(), std::string("ok"));
}

void TestRunStore::refusesNewerSchema() {
    const fs::path file = freshDb("newer");
    {
        RunStore store(file);
        store.database().exec("UPDATE schema_version SET version = 99");
    }
    try {
        RunStore store(file);
        QFAIL("opened a store with a newer schema");
    } catch (const flower::Error& e) {
        QCOMPARE(std::string(e.what()),
                 file.string() + ": schema version 99 was written by a newer Flower Workbench "
                                 "(this build knows up to 4)");
    }
}

void TestRunStore::refusesForeignFile() {
    const fs::path file = freshDb("foreign");
    {
        Database db(file, Database::Mode::ReadWriteCreate);
        db.exec("CREATE TABLE other (x INTEGER)");
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, RunStore store(file));
    StoreOptions noCreate;
    noCreate.create = false;
    QVERIFY_THROWS_EXCEPTION(flower::Error, RunStore store(freshDb("absent"), noCreate));
}

void TestRunStore::runLifeCycle() {
    RunStore store(freshDb("life"));
    const auto id = newRun(store, "first");
    RunInfo r = store.run(id);
    QCOMPARE(std::string(toString(r.status)), std::string("queued"));
    QCOMPARE(r.codeVersion, codeVersion());
    QCOMPARE(r.host, hostName());
    QCOMPARE(r.seed, std::int64_t{7});
    QVERIFY(!r.startedAt);
    store.startRun(id);
    r = store.run(id);
    QCOMPARE(std::string(toString(r.status)), std::string("running"));
    QCOMPARE(r.ownerPid.value_or(0), static_cast<std::int64_t>(::getpid()));
    QVERIFY(r.startedAt.has_value());
    store.finishRun(id, RunStatus::Failed, "out of memory");
    r = store.run(id);
    QCOMPARE(std::string(toString(r.status)), std::string("failed"));
    QCOMPARE(r.error.value_or(""), std::string("out of memory"));
    QVERIFY(r.finishedAt.has_value());
    QVERIFY_THROWS_EXCEPTION(flower::Error, store.startRun(id));  // failed is final
    QVERIFY_THROWS_EXCEPTION(flower::Error, store.finishRun(id, RunStatus::Running));
}

void TestRunStore::unknownRunIsAnError() {
    const fs::path file = freshDb("unknown");
    RunStore store(file);
    try {
        store.run(42);
        QFAIL("no error for an unknown run");
    } catch (const flower::Error& e) {
        QCOMPARE(std::string(e.what()), file.string() + ": no run with id 42");
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, RunWriter writer(file, 42));
}

void TestRunStore::nothingVisibleBeforeFlush() {
    const fs::path file = freshDb("flush");
    RunStore store(file);
    const auto id = newRun(store);
    WriterOptions manual;
    manual.backgroundThread = false;
    RunWriter writer(file, id, manual);
    for (int step = 0; step < 1000; ++step) {
        writer.scalar("loss", step, 1.0 / (step + 1));
    }
    QVERIFY(store.readSeries(id, "loss").empty());
    QCOMPARE(writer.flush(), size_t{1000});
    QCOMPARE(writer.committedFlushes(), std::int64_t{1});
    const auto points = store.readSeries(id, "loss");
    QCOMPARE(points.size(), size_t{1000});
    QCOMPARE(points[999].step, std::int64_t{999});
    QCOMPARE(points[999].value, 1.0 / 1000);
    QCOMPARE(writer.flush(), size_t{0});  // nothing left
}

void TestRunStore::backgroundTimerFlushes() {
    const fs::path file = freshDb("timer");
    RunStore store(file);
    const auto id = newRun(store);
    WriterOptions options;
    options.flushInterval = std::chrono::milliseconds(20);
    RunWriter writer(file, id, options);
    for (int step = 0; step < 100; ++step) {
        writer.scalar("lr", step, 0.1);
    }
    // No explicit flush: the timer must commit within a second.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (store.readSeries(id, "lr").size() < 100 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    QCOMPARE(store.readSeries(id, "lr").size(), size_t{100});
    writer.finish(RunStatus::Finished);
    QCOMPARE(std::string(toString(store.run(id).status)), std::string("finished"));
}

void TestRunStore::fullBufferWakesFlusher() {
    const fs::path file = freshDb("full");
    RunStore store(file);
    const auto id = newRun(store);
    WriterOptions options;
    options.flushInterval = std::chrono::milliseconds(60000);  // the timer alone would not flush
    options.flushAtPoints = 100;
    RunWriter writer(file, id, options);
    for (int step = 0; step < 1000; ++step) {
        writer.scalar("loss", step, 1.0);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (writer.committedFlushes() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    QVERIFY(writer.committedFlushes() >= 1);
    QVERIFY(!store.readSeries(id, "loss").empty());
}

void TestRunStore::appendsFromSeveralThreads() {
    const fs::path file = freshDb("threads");
    RunStore store(file);
    const auto id = newRun(store);
    {
        WriterOptions options;
        options.flushInterval = std::chrono::milliseconds(2);
        RunWriter writer(file, id, options);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&writer, t] {
                const std::string key = "thread/" + std::to_string(t);
                for (int step = 0; step < 5000; ++step) {
                    writer.scalar(key, step, t);
                    if (step % 1000 == 0) {
                        writer.flush();
                    }
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
        writer.finish(RunStatus::Finished);
    }
    for (int t = 0; t < 4; ++t) {
        const auto points = store.readSeries(id, "thread/" + std::to_string(t));
        QCOMPARE(points.size(), size_t{5000});
        QCOMPARE(points.back().value, static_cast<double>(t));
    }
    QCOMPARE(store.integrityCheck(), std::string("ok"));
}

void TestRunStore::readsSeriesAfterStep() {
    const fs::path file = freshDb("after");
    RunStore store(file);
    const auto id = newRun(store);
    const auto other = newRun(store, "other");
    {
        RunWriter writer(file, id);
        RunWriter second(file, other);
        for (int step = 0; step < 50; ++step) {
            writer.scalar("loss", step, step, step / 10.0);
            writer.scalar("lr", step, 0.5);
            second.scalar("loss", step, -1);
        }
    }  // destructors flush
    const auto tail = store.readSeries(id, "loss", 44);
    QCOMPARE(tail.size(), size_t{5});
    QCOMPARE(tail.front().step, std::int64_t{45});
    QCOMPARE(tail.front().value, 45.0);
    QCOMPARE(tail.front().epoch, 4.5);
    QCOMPARE(store.seriesKeys(id), std::vector<std::string>({"loss", "lr"}));
    QVERIFY(store.readSeries(id, "nope").empty());
    QCOMPARE(store.readSeries(other, "loss", 48).size(), size_t{1});
    // The lookup is an index range scan, not a table scan.
    auto plan = store.database().prepare(
        "EXPLAIN QUERY PLAN SELECT step, epoch, value, wall_time FROM scalars WHERE series_id = "
        "?1 AND step > ?2 ORDER BY step");
    plan.bind(1, std::int64_t{1}).bind(2, std::int64_t{0});
    QVERIFY(plan.step());
    const std::string detail = plan.text(3);
    QVERIFY2(detail.find("SEARCH") != std::string::npos && detail.find("PRIMARY KEY") != std::string::npos,
             detail.c_str());
}

void TestRunStore::recordsEveryKind() {
    const fs::path file = freshDb("kinds");
    RunStore store(file);
    const auto id = newRun(store);
    {
        RunWriter writer(file, id);
        const std::vector<double> bins = {0.5, 0.25, 0.125, 0.125};
        writer.histogram("groups_recommended", 10, bins);
        writer.divergence(DivergenceLevel::Token, DivergenceKind::KlTargetPolicy, 10, 0.3);
        writer.divergence(DivergenceLevel::Title, DivergenceKind::Js, 10, 0.1);
        writer.evaluation("test", "ndcg", 5, 10, 0.042);
        writer.evaluation("test", "ttr", 0, 10, 0.7);
        writer.sample(10, 3, "Blade Runner", true, -1.5);
        writer.sample(10, 4, "Not A Film", false, std::nullopt, "test");
        writer.checkpoint(10, "/ckpt/step-10", 0.9);
        writer.finish(RunStatus::Finished);
    }
    const auto h = store.histograms(id);
    QCOMPARE(h.size(), size_t{1});
    QCOMPARE(h[0].kind, std::string("groups_recommended"));
    QCOMPARE(h[0].bins, std::vector<double>({0.5, 0.25, 0.125, 0.125}));
    const auto d = store.divergences(id);
    QCOMPARE(d.size(), size_t{2});
    QCOMPARE(std::string(toString(d[0].level)), std::string("title"));
    QCOMPARE(d[0].value, 0.1);
    QCOMPARE(std::string(toString(d[1].kind)), std::string("kl_tr"));
    const auto e = store.evaluations(id);
    QCOMPARE(e.size(), size_t{2});
    QCOMPARE(e[0].metric, std::string("ndcg"));
    QCOMPARE(e[0].k, 5);
    QCOMPARE(e[1].value, 0.7);
    const auto s = store.samples(id);
    QCOMPARE(s.size(), size_t{2});
    QCOMPARE(s[0].title, std::string("Blade Runner"));
    QCOMPARE(s[0].logProb.value_or(0), -1.5);
    QVERIFY(!s[1].valid);
    QVERIFY(!s[1].logProb.has_value());
    QCOMPARE(s[0].split, std::string("valid"));  // the default
    QCOMPARE(s[1].split, std::string("test"));
    const auto c = store.checkpoints(id);
    QCOMPARE(c.size(), size_t{1});
    QCOMPARE(c[0].path, std::string("/ckpt/step-10"));
    QCOMPARE(c[0].metric.value_or(0), 0.9);
}

void TestRunStore::laterPointReplacesSameStep() {
    const fs::path file = freshDb("replace");
    RunStore store(file);
    const auto id = newRun(store);
    RunWriter writer(file, id);
    writer.scalar("loss", 3, 1.0);
    writer.flush();
    writer.scalar("loss", 3, 2.0);
    writer.flush();
    const auto points = store.readSeries(id, "loss");
    QCOMPARE(points.size(), size_t{1});
    QCOMPARE(points[0].value, 2.0);
}

void TestRunStore::interruptedWhenOwnerGone() {
    const fs::path file = freshDb("interrupted");
    std::int64_t id = 0;
    {
        RunStore store(file);
        id = newRun(store);
        store.startRun(id);
        // A process that has exited: a child that ends at once, reaped.
        const pid_t child = ::fork();
        if (child == 0) {
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        auto s = store.database().prepare("UPDATE runs SET owner_pid = ?1 WHERE id = ?2");
        s.bind(1, static_cast<std::int64_t>(child)).bind(2, id).run();
    }
    RunStore reopened(file);
    const RunInfo r = reopened.run(id);
    QCOMPARE(std::string(toString(r.status)), std::string("interrupted"));
    QVERIFY(r.finishedAt.has_value());
    QVERIFY(r.error.has_value());
    // An interrupted run may be resumed.
    reopened.startRun(id);
    QCOMPARE(std::string(toString(reopened.run(id).status)), std::string("running"));
}

void TestRunStore::liveOwnerStaysRunning() {
    const fs::path file = freshDb("live");
    std::int64_t id = 0;
    {
        RunStore store(file);
        id = newRun(store);
        store.startRun(id);  // owned by this (live) process
    }
    RunStore reopened(file);
    QCOMPARE(reopened.markInterruptedRuns(), 0);
    QCOMPARE(std::string(toString(reopened.run(id).status)), std::string("running"));
    // A run owned by another host cannot be checked from here and is left alone.
    auto s = reopened.database().prepare(
        "UPDATE runs SET owner_host = 'elsewhere.example', owner_pid = 1 WHERE id = ?1");
    s.bind(1, id).run();
    QCOMPARE(reopened.markInterruptedRuns(), 0);
}

void TestRunStore::reusedPidCountsAsGone() {
    const fs::path file = freshDb("reuse");
    RunStore store(file);
    const auto id = newRun(store);
    store.startRun(id);
    // Same pid, other start time: the pid was recycled by another process.
    auto s = store.database().prepare("UPDATE runs SET owner_start = '1' WHERE id = ?1");
    s.bind(1, id).run();
    QCOMPARE(store.markInterruptedRuns(), 1);
    QCOMPARE(std::string(toString(store.run(id).status)), std::string("interrupted"));
    QVERIFY(ownerIsAlive(ProcessOwner::current()));
}

void TestRunStore::tagsAndNotes() {
    RunStore store(freshDb("tags"));
    const auto id = newRun(store);
    store.addTag(id, "paper");
    store.addTag(id, "best");
    store.addTag(id, "paper");
    QCOMPARE(store.tags(id), std::vector<std::string>({"best", "paper"}));
    store.removeTag(id, "best");
    QCOMPARE(store.tags(id), std::vector<std::string>({"paper"}));
    store.setNotes(id, "lr too high; see step 300");
    QCOMPARE(store.run(id).notes, std::string("lr too high; see step 300"));
}

void TestRunStore::clearMeasurementsKeepsTheRun() {
    const fs::path file = freshDb("clear");
    RunStore store(file);
    const auto id = newRun(store);
    const auto other = newRun(store);
    store.addTag(id, "paper");
    store.setNotes(id, "first try");
    store.startRun(id);
    store.startRun(other);
    {
        RunWriter writer(file, id);
        writer.scalar("loss", 1, 2.0);
        writer.histogram("groups_recommended", 1, std::vector<double>{0.5, 0.5});
        writer.divergence(DivergenceLevel::Title, DivergenceKind::Js, 1, 0.1);
        writer.evaluation("valid", "ndcg", 5, 1, 0.04);
        writer.sample(1, 0, "Blade Runner", true, -1.0);
        writer.checkpoint(1, "/ckpt/step-1", 0.5);
        writer.finish(RunStatus::Interrupted);
    }
    {
        RunWriter writer(file, other);
        writer.scalar("loss", 1, 7.0);
        writer.flush();
    }
    // A running run's points are still being written: refused.
    QVERIFY_THROWS_EXCEPTION(flower::Error, store.clearMeasurements(other));
    store.clearMeasurements(id);
    QVERIFY(store.seriesKeys(id).empty());
    QVERIFY(store.histograms(id).empty());
    QVERIFY(store.divergences(id).empty());
    QVERIFY(store.evaluations(id).empty());
    QVERIFY(store.samples(id).empty());
    QVERIFY(store.checkpoints(id).empty());
    auto orphans = store.database().prepare("SELECT count(*) FROM scalars");
    QVERIFY(orphans.step());
    QCOMPARE(orphans.int64(0), std::int64_t{1});  // only the other run's point is left
    QCOMPARE(std::string(toString(store.run(id).status)), std::string("interrupted"));
    QCOMPARE(store.tags(id), std::vector<std::string>({"paper"}));
    QCOMPARE(store.run(id).notes, std::string("first try"));
    QCOMPARE(store.readSeries(other, "loss").size(), size_t{1});
}

void TestRunStore::truncateKeepsWhatPrecedesTheCheckpoint() {
    const fs::path file = freshDb("truncate");
    RunStore store(file);
    const auto id = newRun(store);
    store.startRun(id);
    {
        RunWriter writer(file, id);
        for (int step = 1; step <= 4; ++step) {
            writer.scalar("loss", step, 10.0 - step);
            writer.histogram("groups_recommended", step, std::vector<double>{0.5, 0.5});
            writer.divergence(DivergenceLevel::Title, DivergenceKind::Js, step, 0.1 * step);
            writer.evaluation("valid", "ndcg", 5, step, 0.01 * step);
            writer.sample(step, 0, "Title " + std::to_string(step), true, -1.0);
            writer.checkpoint(step, "/ckpt/step-" + std::to_string(step), std::nullopt);
        }
        // The test split is evaluated after the last step, at the step of the last validation.
        writer.evaluation("test", "ndcg", 5, 2, 0.5);
        writer.scalar("test/ndcg@5", 2, 0.5);
        writer.sample(2, 0, "Test Title", true, -2.0, "test");
        writer.finish(RunStatus::Interrupted);
    }
    store.truncateMeasurements(id, 2);
    const auto loss = store.readSeries(id, "loss");
    QCOMPARE(loss.size(), size_t{2});
    QCOMPARE(loss[1].step, std::int64_t{2});
    QCOMPARE(loss[1].value, 8.0);
    QCOMPARE(store.histograms(id).size(), size_t{2});
    QCOMPARE(store.divergences(id).size(), size_t{2});
    const auto e = store.evaluations(id);
    QCOMPARE(e.size(), size_t{2});
    for (const auto& row : e) {
        QCOMPARE(row.split, std::string("valid"));
        QVERIFY(row.step <= 2);
    }
    const auto samples = store.samples(id);
    QCOMPARE(samples.size(), size_t{2});
    QCOMPARE(samples[1].title, std::string("Title 2"));
    QCOMPARE(store.checkpoints(id).size(), size_t{2});
    const auto keys = store.seriesKeys(id);
    QVERIFY(std::find(keys.begin(), keys.end(), "test/ndcg@5") == keys.end());
}

FLOWER_TEST_MAIN(TestRunStore, createsSchemaWithWal, migratesFromVersion1, refusesNewerSchema,
                 refusesForeignFile, runLifeCycle, unknownRunIsAnError, nothingVisibleBeforeFlush,
                 backgroundTimerFlushes, fullBufferWakesFlusher, appendsFromSeveralThreads,
                 readsSeriesAfterStep, recordsEveryKind,
                 laterPointReplacesSameStep, interruptedWhenOwnerGone, liveOwnerStaysRunning,
                 reusedPidCountsAsGone, tagsAndNotes, clearMeasurementsKeepsTheRun,
                 truncateKeepsWhatPrecedesTheCheckpoint, sweepsAndTheirRuns)
#ifdef FLOWER_TEST_QT
#include "test_run_store.moc"
#endif
