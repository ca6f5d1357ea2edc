// `flower sweep` end to end: the dry run's table and JSON against hand-written names and values,
// a bad sweep refused by field, a real two-run sweep (nano model, two steps) queued and run into
// a temp store, and `--continue` skipping a finished run and running a queued one.
#include "core/store/run_store.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

using flower::test::contains;
using flower::test::runProcess;
using flower::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kExperiment = std::string(FLOWER_EXPERIMENTS_DIR) + "/rq1-synthetic.json";

fs::path writeSweep(const TempDir& dir, const std::string& grid, const std::string& set = "{}") {
    return dir.write("s.json", R"({"experiment": ")" + kExperiment + R"(", "set": )" + set +
                                   R"(, "grid": )" + grid + "}");
}

// A nano model and two small steps per run: seconds, not minutes.
const char* kQuickSet = R"({"model": "nano", "max_steps": 2, "batch_size": 8,
    "micro_batch_size": 8, "evaluation.every_steps": 1000, "evaluation.samples": 48,
    "early_stopping.patience": 0})";

}  // namespace

class TestCliSweep : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void dryRunPrintsTheRuns();
    void dryRunJsonHasTheResolvedConfigs();
    void badSweepIsRefusedByField();
    void queuesAndRunsTheSweep();
};

void TestCliSweep::dryRunPrintsTheRuns() {
    TempDir dir("cli-sweep");
    const fs::path file = writeSweep(dir, R"({"lambda": [0.01, 0.1], "seed": [1, 2, 3]})");
    const auto r = runProcess({FLOWER_CLI_PATH, "sweep", file.string(), "--dry-run",
                               "--db", (dir.path() / "runs.sqlite").string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const std::vector<std::string> lines = {
        "sweep s: 6 experiments from " + kExperiment,
        "   #  lambda  seed  name",
        "   1  0.01    1     s/lambda=0.01,seed=1",
        "   2  0.01    2     s/lambda=0.01,seed=2",
        "   3  0.01    3     s/lambda=0.01,seed=3",
        "   4  0.1     1     s/lambda=0.1,seed=1",
        "   5  0.1     2     s/lambda=0.1,seed=2",
        "   6  0.1     3     s/lambda=0.1,seed=3",
    };
    std::string expected;
    for (const auto& l : lines) expected += l + "\n";
    QCOMPARE(r.out, expected);
    QVERIFY(!fs::exists(dir.path() / "runs.sqlite"));  // a dry run queues nothing
}

void TestCliSweep::dryRunJsonHasTheResolvedConfigs() {
    TempDir dir("cli-sweep");
    const fs::path file = writeSweep(dir, R"({"lambda": [0.01, 0.1], "seed": [1, 2, 3]})",
                                     R"({"max_steps": 7})");
    const auto r = runProcess({FLOWER_CLI_PATH, "sweep", file.string(), "--dry-run", "--json"});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j["size"].get<int>(), 6);
    QCOMPARE(j["varied"].get<std::vector<std::string>>(), std::vector<std::string>({"lambda", "seed"}));
    const auto& e = j["experiments"][4];
    QCOMPARE(e["name"].get<std::string>(), std::string("s/lambda=0.1,seed=2"));
    QCOMPARE(e["point"]["lambda"].get<double>(), 0.1);
    QCOMPARE(e["config"]["lambda"].get<double>(), 0.1);
    QCOMPARE(e["config"]["seed"].get<int>(), 2);
    QCOMPARE(e["config"]["max_steps"].get<int>(), 7);
    QCOMPARE(e["config"]["name"].get<std::string>(), std::string("s/lambda=0.1,seed=2"));
    QCOMPARE(e["config"]["method"].get<std::string>(), std::string("flower"));  // the base's
}

void TestCliSweep::badSweepIsRefusedByField() {
    TempDir dir("cli-sweep");
    const fs::path empty = writeSweep(dir, R"({"lambda": [0.1], "seed": []})");
    const auto r = runProcess({FLOWER_CLI_PATH, "sweep", empty.string(), "--dry-run"});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(contains(r.err, "s.json, field grid.seed") && contains(r.err, "empty axis"), r.err.c_str());
    const fs::path unknown = writeSweep(dir, R"({"lamdba": [0.1]})");
    const auto u = runProcess({FLOWER_CLI_PATH, "sweep", unknown.string(), "--db",
                               (dir.path() / "runs.sqlite").string()});
    QCOMPARE(u.exitCode, 1);
    QVERIFY2(contains(u.err, "field grid.lamdba") && contains(u.err, "did you mean \"lambda\""),
             u.err.c_str());
    QVERIFY(!fs::exists(dir.path() / "runs.sqlite"));
}

void TestCliSweep::queuesAndRunsTheSweep() {
    TempDir dir("cli-sweep");
    const fs::path file = writeSweep(dir, R"({"seed": [1, 2]})", kQuickSet);
    const fs::path db = dir.path() / "runs.sqlite";
    const auto r = runProcess({FLOWER_CLI_PATH, "sweep", file.string(), "--db", db.string(), "--json"});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    const std::int64_t sweepId = j["sweep_id"].get<std::int64_t>();
    QCOMPARE(j["runs"].size(), std::size_t{2});
    for (std::size_t i = 0; i < 2; ++i) {
        QCOMPARE(j["runs"][i]["status"].get<std::string>(), std::string("finished"));
        QCOMPARE(j["runs"][i]["steps"].get<int>(), 2);
        QCOMPARE(j["runs"][i]["name"].get<std::string>(), "s/seed=" + std::to_string(i + 1));
    }
    std::vector<std::int64_t> ids;
    {
        flower::store::RunStore store(db);
        ids = store.sweepRuns(sweepId);
        QCOMPARE(ids.size(), std::size_t{2});
        QCOMPARE(store.findSweep(sweepId)->variedKeys, std::vector<std::string>({"seed"}));
        for (std::size_t i = 0; i < 2; ++i) {
            const auto run = store.run(ids[i]);
            QVERIFY(run.status == flower::store::RunStatus::Finished);
            QCOMPARE(run.seed, static_cast<std::int64_t>(i + 1));
            QCOMPARE(run.sweepPoint, "{\"seed\":" + std::to_string(i + 1) + "}");
            QCOMPARE(store.readSeries(ids[i], "loss/total").size(), std::size_t{2});
        }
        // The second run back in the queue, as if never started: --continue runs it, skips run 1.
        store.database().exec("UPDATE runs SET status = 'queued' WHERE id = " + std::to_string(ids[1]));
    }
    const auto c = runProcess({FLOWER_CLI_PATH, "sweep", "--continue", std::to_string(sweepId),
                               "--db", db.string(), "--json"});
    QVERIFY2(c.exitCode == 0, c.err.c_str());
    const auto k = nlohmann::json::parse(c.out);
    QCOMPARE(k["runs"][0]["status"].get<std::string>(), std::string("skipped"));
    QCOMPARE(k["runs"][0]["state"].get<std::string>(), std::string("finished"));
    QCOMPARE(k["runs"][1]["status"].get<std::string>(), std::string("finished"));
    QVERIFY(flower::store::RunStore(db).run(ids[1]).status == flower::store::RunStatus::Finished);
}

FLOWER_TEST_MAIN(TestCliSweep, dryRunPrintsTheRuns, dryRunJsonHasTheResolvedConfigs,
                 badSweepIsRefusedByField, queuesAndRunsTheSweep)
#ifdef FLOWER_TEST_QT
#include "test_cli_sweep.moc"
#endif
