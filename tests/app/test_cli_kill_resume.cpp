// Issue 22's kill-and-resume campaign (slow): a nano run of the RQ1 synthetic experiment killed
// with SIGKILL at 20 random moments (a step, a checkpoint write, an evaluation, a store commit)
// and resumed each time with `flower resume` ends with exactly the loss series of an
// uninterrupted run (every step, bit for bit on the CPU), the same final weights (the bytes of
// last/model.safetensors) and the same evaluation rows. After every kill the store passes
// PRAGMA integrity_check and every checkpoint directory there is whole.
// FLOWER_KILL_SEED picks other moments; the figures (kills, resumes from which step) are printed.
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "tests/support/child_process.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

using flower::test::Child;
using flower::test::runProcess;
using flower::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kExperiment = std::string(FLOWER_EXPERIMENTS_DIR) + "/rq1-synthetic.json";
constexpr int kKills = 20;
constexpr int kSteps = 60;

std::vector<std::string> trainArgs(const fs::path& db) {
    return {FLOWER_CLI_PATH, "train", "--experiment", kExperiment, "--db", db.string(), "--json",
            "--set", "model=nano", "max_steps=" + std::to_string(kSteps), "batch_size=8",
            "micro_batch_size=8", "evaluation.every_steps=10", "evaluation.samples=48",
            "checkpoint_every=4", "early_stopping.patience=0"};
}

std::string bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Outcome {
    std::vector<std::pair<std::int64_t, double>> loss;
    std::vector<std::string> evaluations;  // "step split metric@k value" with every digit
    std::string weights;
};

Outcome outcomeOf(const fs::path& db) {
    flower::store::RunStore store(db);
    const auto runs = store.listRuns();
    Outcome o;
    if (runs.size() != 1) return o;
    for (const auto& p : store.readSeries(runs[0].id, "loss/total")) {
        o.loss.emplace_back(p.step, p.value);
    }
    for (const auto& e : store.evaluations(runs[0].id)) {
        char buffer[160];
        std::snprintf(buffer, sizeof buffer, "%lld %s %s@%d %.17g", static_cast<long long>(e.step),
                      e.split.c_str(), e.metric.c_str(), e.k, e.value);
        o.evaluations.emplace_back(buffer);
    }
    o.weights = bytes(flower::store::runDirectory(db, runs[0].id) / "last" / "model.safetensors");
    return o;
}

// Every checkpoint directory of the run is whole: its state file (written last) is there.
bool checkpointsWhole(const fs::path& runDir, std::string& bad) {
    if (!fs::exists(runDir)) return true;
    for (const auto& entry : fs::directory_iterator(runDir)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_directory() || name.find(".tmp-") != std::string::npos) {
            continue;  // a write in progress: never read (TrainingCheckpoint::resolve)
        }
        if ((name.rfind("last", 0) == 0 || name.rfind("best", 0) == 0) &&
            !fs::exists(entry.path() / "trainer_state.json")) {
            bad = entry.path().string();
            return false;
        }
    }
    return true;
}

}  // namespace

class TestCliKillResume : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void twentyKillsChangeNothing();
};

void TestCliKillResume::twentyKillsChangeNothing() {
    TempDir dir("kill-resume");
    const fs::path reference = dir.path() / "reference.sqlite";
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = runProcess(trainArgs(reference));
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const double runSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Outcome expected = outcomeOf(reference);
    QCOMPARE(expected.loss.size(), std::size_t{kSteps});
    QVERIFY(!expected.evaluations.empty());
    QVERIFY(!expected.weights.empty());

    const char* seedText = std::getenv("FLOWER_KILL_SEED");
    const unsigned seed = seedText ? static_cast<unsigned>(std::atoi(seedText)) : 22u;
    std::mt19937 random(seed);
    // Kills land anywhere in a process's life: assembly, steps, checkpoint writes, evaluations.
    std::uniform_real_distribution<double> delay(0.2, std::max(0.5, runSeconds / 4));
    const fs::path db = dir.path() / "killed.sqlite";
    std::int64_t runId = 0;
    int kills = 0;
    int finishedEarly = 0;
    std::string log;
    while (kills < kKills) {
        std::vector<std::string> args = trainArgs(db);
        if (runId != 0) {
            args = {FLOWER_CLI_PATH, "resume", std::to_string(runId), "--db", db.string(), "--json"};
        }
        Child child(args, Child::Stream::Stderr);
        std::this_thread::sleep_for(std::chrono::duration<double>(delay(random)));
        child.kill();
        child.readRest();
        const int status = child.wait();
        flower::store::RunStore store(db);  // marks the dead owner's run interrupted
        QCOMPARE(store.integrityCheck(), std::string("ok"));
        const auto runs = store.listRuns();
        if (runs.empty()) {
            log += " (killed before registering)";
            continue;  // killed during assembly of the first start: nothing to resume yet
        }
        QCOMPARE(runs.size(), std::size_t{1});
        runId = runs[0].id;
        std::string bad;
        QVERIFY2(checkpointsWhole(flower::store::runDirectory(db, runId), bad), bad.c_str());
        if (status == 0 || runs[0].status == flower::store::RunStatus::Finished) {
            ++finishedEarly;  // the run ended before the kill: start a fresh one over it
            log += " finished";
            store.deleteRun(runId);
            runId = 0;
            continue;
        }
        QVERIFY2(runs[0].status == flower::store::RunStatus::Interrupted,
                 flower::store::toString(runs[0].status).data());
        ++kills;
        const auto points = store.readSeries(runId, "loss/total");
        log += " " + std::to_string(points.empty() ? 0 : points.back().step);
    }
    std::printf("kills at steps (last stored point):%s; %d attempts finished before their kill\n",
                log.c_str(), finishedEarly);
    const auto last = runProcess({FLOWER_CLI_PATH, "resume", std::to_string(runId), "--db",
                                  db.string(), "--json"});
    QVERIFY2(last.exitCode == 0, last.err.c_str());
    const Outcome got = outcomeOf(db);
    QCOMPARE(got.loss.size(), expected.loss.size());
    for (std::size_t i = 0; i < expected.loss.size(); ++i) {
        QCOMPARE(got.loss[i].first, expected.loss[i].first);
        if (got.loss[i].second != expected.loss[i].second) {  // bit for bit, not qFuzzyCompare
            QFAIL(("loss differs at step " + std::to_string(got.loss[i].first)).c_str());
        }
    }
    QCOMPARE(got.evaluations, expected.evaluations);
    QVERIFY2(got.weights == expected.weights, "the final weights differ");
    flower::store::RunStore store(db);
    QCOMPARE(store.integrityCheck(), std::string("ok"));
}

FLOWER_TEST_MAIN(TestCliKillResume, twentyKillsChangeNothing)
#ifdef FLOWER_TEST_QT
#include "test_cli_kill_resume.moc"
#endif
