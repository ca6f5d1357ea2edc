// `flower train`, `flower resume`, `flower demo` end to end: a real (nano) model trained for a
// few steps on the RQ1 synthetic experiment, its JSON summary, the store rows and checkpoint
// files it leaves, Ctrl-C → a cancelled run that `flower resume` finishes, and bad input.
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "tests/support/child_process.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

using flower::test::Child;
using flower::test::contains;
using flower::test::runProcess;
using flower::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kExperiment = std::string(FLOWER_EXPERIMENTS_DIR) + "/rq1-synthetic.json";

// A nano model and a few small steps: seconds, not minutes.
std::vector<std::string> quickRun(const fs::path& db, const std::string& steps) {
    return {FLOWER_CLI_PATH, "train", "--experiment", kExperiment, "--db", db.string(), "--json",
            "--set", "model=nano", "max_steps=" + steps, "batch_size=8", "micro_batch_size=8",
            "evaluation.every_steps=1000", "evaluation.samples=48", "early_stopping.patience=0"};
}

void checkDivergences(const nlohmann::json& summary) {
    for (const char* level : {"title", "token"}) {
        for (const char* kind : {"kl_tr", "kl_rt", "js"}) {
            const double v = summary["divergences"][level][kind].get<double>();
            QVERIFY2(std::isfinite(v) && v >= 0, (std::string(level) + " " + kind).c_str());
        }
        QVERIFY(summary["divergences"][level]["js"].get<double>() <= std::log(2.0) + 1e-12);
        // The exact fit is there too, and 48 samples are a noisy estimate of it.
        const double exact = summary["divergences_exact"][level]["js"].get<double>();
        QVERIFY2(std::isfinite(exact) && exact >= 0 && exact <= std::log(2.0), level);
    }
}

}  // namespace

class TestCliTrain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void trainsAndSummarises();
    void rejectsBadExperiment();
    void interruptCancelsAndResumeFinishes();
    void killedBeforeFirstCheckpointStartsOver();
    void sigtermCheckpointsAndExits3();
    void demoComparesSftAndFlower();
};

void TestCliTrain::trainsAndSummarises() {
    TempDir dir("cli-train");
    const fs::path db = dir.path() / "runs.sqlite";
    const auto r = runProcess(quickRun(db, "3"));
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto summary = nlohmann::json::parse(r.out);
    QCOMPARE(summary["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(summary["method"].get<std::string>(), std::string("flower"));
    QCOMPARE(summary["steps"].get<std::int64_t>(), std::int64_t{3});
    // θ = 0 in the file: SubTB alone, so the total is the SubTB term.
    QCOMPARE(summary["losses"]["loss/total"].get<double>(), summary["losses"]["loss/subtb"].get<double>());
    checkDivergences(summary);
    QVERIFY(summary["median_step_seconds"].get<double>() > 0);
    QVERIFY(summary["tokens_per_second"].get<double>() > 0);
    // The last checkpoint is a model directory with its compact vocabulary.
    const fs::path checkpoint = summary["checkpoint"].get<std::string>();
    QVERIFY2(fs::exists(checkpoint / "config.json"), checkpoint.c_str());
    QVERIFY(fs::exists(checkpoint / "vocabulary_map.json"));
    // `title-fit` on that checkpoint computes the exact fit the last evaluation reported.
    const auto fit = runProcess({FLOWER_CLI_PATH, "title-fit", checkpoint.string(), "--json", "--rows", "3"});
    QVERIFY2(fit.exitCode == 0, fit.err.c_str());
    const auto f = nlohmann::json::parse(fit.out);
    for (const char* level : {"title", "token"}) {
        const double cli = f["constrained"][level]["js"].get<double>();
        const double eval = summary["divergences_exact"][level]["js"].get<double>();
        QVERIFY2(std::abs(cli - eval) <= 1e-9 * std::max(1.0, eval), (std::to_string(cli) + " vs " + std::to_string(eval)).c_str());
    }
    QCOMPARE(f["worst"].size(), std::size_t{3});
    QVERIFY(f["free_mass_in_set"].get<double>() > 0 && f["free_mass_in_set"].get<double>() <= 1.0);
    // The store holds the run, finished, with its loss series.
    flower::store::RunStore store(db);
    const auto info = store.run(summary["run_id"].get<std::int64_t>());
    QVERIFY(info.status == flower::store::RunStatus::Finished);
    QCOMPARE(store.readSeries(info.id, "loss/total").size(), std::size_t{3});
}

void TestCliTrain::rejectsBadExperiment() {
    TempDir dir("cli-train");
    auto args = quickRun(dir.path() / "runs.sqlite", "3");
    args.push_back("method=flowr");
    const auto r = runProcess(args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(contains(r.err, "method") && contains(r.err, "flowr"), r.err.c_str());
    QVERIFY(!fs::exists(dir.path() / "runs.sqlite"));  // nothing registered for a bad config
}

void TestCliTrain::interruptCancelsAndResumeFinishes() {
    TempDir dir("cli-train");
    const fs::path db = dir.path() / "runs.sqlite";
    // Progress goes to stderr with --json: plain lines every 10 steps.
    Child child(quickRun(db, "60"), Child::Stream::Stderr);
    bool sawStep = false;
    while (const auto line = child.readLine(120000)) {
        if (line->rfind("step 10/", 0) == 0) {
            sawStep = true;
            break;
        }
    }
    QVERIFY2(sawStep, "no progress line for step 10");
    child.signal(SIGINT);
    child.readRest();
    QCOMPARE(child.wait(), 3);  // a run that did not finish
    std::int64_t runId = 0;
    {
        flower::store::RunStore store(db);
        const auto runs = store.listRuns();
        QCOMPARE(runs.size(), std::size_t{1});
        QVERIFY(runs[0].status == flower::store::RunStatus::Cancelled);
        runId = runs[0].id;
    }
    const auto r = runProcess({FLOWER_CLI_PATH, "resume", std::to_string(runId), "--db", db.string(),
                               "--json"});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto summary = nlohmann::json::parse(r.out);
    QCOMPARE(summary["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(summary["steps"].get<std::int64_t>(), std::int64_t{60});
    flower::store::RunStore store(db);
    QVERIFY(store.run(runId).status == flower::store::RunStatus::Finished);
    // Every step's loss is in the store once: the resumed part continues the series.
    QCOMPARE(store.readSeries(runId, "loss/total").size(), std::size_t{60});
}

// SIGKILL before any checkpoint: the run is `interrupted` with nothing to continue from, and
// `flower resume` starts it over from step 0 under the same id, replacing its partial points.
void TestCliTrain::killedBeforeFirstCheckpointStartsOver() {
    TempDir dir("cli-train");
    const fs::path db = dir.path() / "runs.sqlite";
    auto args = quickRun(db, "40");
    args.push_back("checkpoint_every=1000");
    Child child(args, Child::Stream::Stderr);
    bool sawStep = false;
    while (const auto line = child.readLine(120000)) {
        if (line->rfind("step 20/", 0) == 0) {
            sawStep = true;
            break;
        }
    }
    QVERIFY2(sawStep, "no progress line for step 20");
    child.kill();
    child.readRest();
    std::int64_t runId = 0;
    std::size_t partial = 0;
    {
        flower::store::RunStore store(db);  // opening marks the dead owner's run interrupted
        const auto runs = store.listRuns();
        QCOMPARE(runs.size(), std::size_t{1});
        QVERIFY(runs[0].status == flower::store::RunStatus::Interrupted);
        runId = runs[0].id;
        QVERIFY2(store.checkpoints(runId).empty(), "the run wrote a checkpoint: the test needs none");
        partial = store.readSeries(runId, "loss/total").size();
    }
    QVERIFY2(partial > 0, "the killed run left no points to replace");
    const auto r = runProcess({FLOWER_CLI_PATH, "resume", std::to_string(runId), "--db", db.string(),
                               "--json"});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    QVERIFY2(contains(r.err, "starting it over from step 0"), r.err.c_str());
    const auto summary = nlohmann::json::parse(r.out);
    QCOMPARE(summary["status"].get<std::string>(), std::string("finished"));
    QCOMPARE(summary["run_id"].get<std::int64_t>(), runId);
    flower::store::RunStore store(db);
    QCOMPARE(store.listRuns().size(), std::size_t{1});
    const auto loss = store.readSeries(runId, "loss/total");
    QCOMPARE(loss.size(), std::size_t{40});
    // Points are those of the new start: their wall times all come after the restart began.
    const double restarted = *store.run(runId).startedAt;
    for (const auto& p : loss) {
        QVERIFY2(p.wallTime >= restarted - 1e-3, "a point of the killed attempt survived");
    }
}

// SIGTERM (Slurm's warning before a time limit or preemption): the same graceful cancel as
// Ctrl-C — a resumable `last` checkpoint and exit status 3.
void TestCliTrain::sigtermCheckpointsAndExits3() {
    TempDir dir("cli-train");
    const fs::path db = dir.path() / "runs.sqlite";
    auto args = quickRun(db, "200");
    args.push_back("checkpoint_every=1000");
    Child child(args, Child::Stream::Stderr);
    bool sawStep = false;
    while (const auto line = child.readLine(120000)) {
        if (line->rfind("step 10/", 0) == 0) {
            sawStep = true;
            break;
        }
    }
    QVERIFY2(sawStep, "no progress line for step 10");
    child.signal(SIGTERM);
    const std::string rest = child.readRest();
    QCOMPARE(child.wait(), 3);
    QVERIFY2(contains(rest, "terminated: cancelling"), rest.c_str());
    flower::store::RunStore store(db);
    const auto runs = store.listRuns();
    QCOMPARE(runs.size(), std::size_t{1});
    QVERIFY(runs[0].status == flower::store::RunStatus::Cancelled);
    QVERIFY(!store.checkpoints(runs[0].id).empty());
    // The whole checkpoint: its state file is written last (training_checkpoint.cpp).
    QVERIFY(fs::exists(flower::store::runDirectory(db, runs[0].id) / "last" / "trainer_state.json"));
}

void TestCliTrain::demoComparesSftAndFlower() {
    TempDir dir("cli-train");
    const auto r = runProcess({FLOWER_CLI_PATH, "demo", "--db", (dir.path() / "demo.sqlite").string(),
                               "--json", "--set", "model=nano", "max_steps=2", "batch_size=8",
                               "micro_batch_size=8", "evaluation.samples=48",
                               "early_stopping.patience=0"});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto all = nlohmann::json::parse(r.out);
    QCOMPARE(all["runs"].size(), std::size_t{2});
    QCOMPARE(all["runs"][0]["method"].get<std::string>(), std::string("sft"));
    QCOMPARE(all["runs"][1]["method"].get<std::string>(), std::string("flower"));
    for (const auto& run : all["runs"]) {
        QCOMPARE(run["status"].get<std::string>(), std::string("finished"));
        checkDivergences(run);
    }
}

FLOWER_TEST_MAIN(TestCliTrain, trainsAndSummarises, rejectsBadExperiment,
                 interruptCancelsAndResumeFinishes, killedBeforeFirstCheckpointStartsOver,
                 sigtermCheckpointsAndExits3,
                 demoComparesSftAndFlower)
#ifdef FLOWER_TEST_QT
#include "test_cli_train.moc"
#endif
