// queueSweep: a 2 λ × 3 seed sweep becomes one sweeps row and six queued runs in expansion
// order, each with the sweep id, its point and the resolved config of that point.
#include "core/run/sweep_config.h"
#include "core/store/run_store.h"
#include "core/train/sweep_queue.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace fs = std::filesystem;

class TestSweepQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void queuesEveryPointWithItsSweep();
    void pointJsonKeepsTheSweepsOrder();
};

void TestSweepQueue::queuesEveryPointWithItsSweep() {
    flower::test::TempDir dir("sweepq");
    dir.write("base.json", R"({"method": "flower", "max_steps": 2})");
    const fs::path file = dir.write("ls.json", R"({"experiment": "base.json",
        "grid": {"lambda": [0.01, 0.1], "seed": [1, 2, 3]}})");
    const auto sweep = flower::run::SweepConfig::load(file);
    const auto experiments = sweep.expand();
    const fs::path db = dir.path() / "runs.sqlite";
    flower::store::RunStore store(db);
    flower::store::NewRun other;
    other.name = "other";
    other.configJson = "{}";
    const std::int64_t before = store.createRun(other);
    const auto queued = flower::train::queueSweep(db, sweep, experiments, file.string());
    QCOMPARE(queued.runIds.size(), std::size_t{6});
    QCOMPARE(store.sweepRuns(queued.sweepId), queued.runIds);
    const auto info = store.findSweep(queued.sweepId);
    QVERIFY(info.has_value());
    QCOMPARE(info->name, std::string("ls"));
    QCOMPARE(info->file, file.string());
    QCOMPARE(info->variedKeys, std::vector<std::string>({"lambda", "seed"}));
    const std::vector<std::string> names = {"ls/lambda=0.01,seed=1", "ls/lambda=0.01,seed=2",
                                            "ls/lambda=0.01,seed=3", "ls/lambda=0.1,seed=1",
                                            "ls/lambda=0.1,seed=2",  "ls/lambda=0.1,seed=3"};
    const std::vector<double> lambdas = {0.01, 0.01, 0.01, 0.1, 0.1, 0.1};
    const std::vector<std::int64_t> seeds = {1, 2, 3, 1, 2, 3};
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto run = store.run(queued.runIds[i]);
        QCOMPARE(run.name, names[i]);
        QVERIFY(run.status == flower::store::RunStatus::Queued);
        QCOMPARE(run.sweepId.value_or(0), queued.sweepId);
        QCOMPARE(run.seed, seeds[i]);
        QCOMPARE(run.method, std::string("flower"));
        const auto config = nlohmann::json::parse(run.configJson);
        QCOMPARE(config.at("lambda").get<double>(), lambdas[i]);
        QCOMPARE(config.at("seed").get<std::int64_t>(), seeds[i]);
        QCOMPARE(config.at("max_steps").get<std::int64_t>(), std::int64_t{2});
        QCOMPARE(config.at("name").get<std::string>(), names[i]);
    }
    QCOMPARE(store.run(queued.runIds[4]).sweepPoint, std::string(R"({"lambda":0.1,"seed":2})"));
    QVERIFY(!store.run(before).sweepId.has_value());
    // The queue takes the oldest queued run: the one queued before the sweep, then point 0.
    QCOMPARE(store.nextQueuedRun().value_or(0), before);
}

void TestSweepQueue::pointJsonKeepsTheSweepsOrder() {
    QCOMPARE(flower::train::sweepPointJson({{"seed", "2"}, {"lambda", "0.1"}, {"reward.variant", "\"flow\""}}),
             std::string(R"({"seed":2,"lambda":0.1,"reward.variant":"flow"})"));
}

FLOWER_TEST_MAIN(TestSweepQueue, queuesEveryPointWithItsSweep, pointJsonKeepsTheSweepsOrder)
#ifdef FLOWER_TEST_QT
#include "test_sweep_queue.moc"
#endif
