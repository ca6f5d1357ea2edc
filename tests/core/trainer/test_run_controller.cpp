// RunController: a run to its end writes every series to the store; cancel stops within one
// update and leaves a checkpoint that resumes the same run; pause holds the worker; a NaN or an
// exception on the worker ends the run as failed with the message (and, for NaN, the step and
// a diagnostic file).
#include "core/store/run_store.h"
#include "core/train/run_controller.h"
#include "tests/core/trainer/toy_training.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <atomic>
#include <chrono>
#include <thread>

using namespace flower;
using namespace flower::train;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

TrainerOptions options(const fs::path& root, int epochs) {
    TrainerOptions o;
    o.optimizer.lr = 1e-2;
    o.optimizer.warmupSteps = 1;
    o.batchSize = 2;
    o.microBatchSize = 1;
    o.epochs = epochs;
    o.evaluateEvery = 2;
    o.earlyStopping.patience = 0;
    o.checkpointRoot = root;
    o.seed = 5;
    return o;
}

struct Fixture {
    test::TempDir dir{"controller"};
    fs::path storeFile = dir.path() / "runs.sqlite";
    std::int64_t runId = 0;
    std::shared_ptr<test::ToyObjective> objective = std::make_shared<test::ToyObjective>();
    std::shared_ptr<test::ScriptedEvaluator> evaluator =
        std::make_shared<test::ScriptedEvaluator>(std::vector<double>{3.0, 2.0, 1.0});
    Fixture() {
        store::RunStore store(storeFile);
        runId = store.createRun({"toy", "{}", "toy", "toy", 5, "cpu"});
    }
    std::shared_ptr<Trainer> trainer(int epochs, std::uint64_t initSeed = 1) {
        return std::make_shared<Trainer>(test::toyModel(initSeed), objective,
                                         std::make_shared<test::ToyData>(8, 2), evaluator,
                                         options(dir.path() / "checkpoints", epochs));
    }
    RunControllerOptions controllerOptions() const {
        RunControllerOptions o;
        o.storeFile = storeFile;
        o.runId = runId;
        return o;
    }
    store::RunInfo info() { return store::RunStore(storeFile).run(runId); }
};

template <typename Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds limit = 20s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

}  // namespace

class TestRunController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runWritesEverySeriesToTheStore();
    void cancelStopsWithinOneStepAndResumes();
    void pauseHoldsTheWorker();
    void nanLossFailsTheRun();
    void exceptionOnTheWorkerFailsTheRun();
    void unknownRunIsAnErrorAtStart();
    void startingTwiceIsAnError();
};

void TestRunController::runWritesEverySeriesToTheStore() {
    Fixture f;
    RunController controller(f.trainer(2), f.controllerOptions());  // 4 updates per epoch, 8 in all
    std::vector<double> losses;
    std::vector<RunState> states;
    int evaluations = 0, checkpoints = 0;
    controller.addListener([&](const RunEvent& event) {
        if (const auto* s = std::get_if<StepEvent>(&event)) losses.push_back(s->losses.front().second);
        if (const auto* s = std::get_if<StateEvent>(&event)) states.push_back(s->state);
        if (std::holds_alternative<EvaluationEvent>(event)) ++evaluations;
        if (std::holds_alternative<CheckpointEvent>(event)) ++checkpoints;
    });
    controller.start();
    QVERIFY(controller.wait() == RunState::Finished);
    QCOMPARE(losses.size(), std::size_t{8});
    QVERIFY(states.back() == RunState::Finished);
    QCOMPARE(evaluations, 4);  // steps 2, 4 (epoch end), 6, 8
    QCOMPARE(controller.lastStep(), std::int64_t{8});

    store::RunStore store(f.storeFile);
    QCOMPARE(std::string(store::toString(store.run(f.runId).status)), std::string("finished"));
    const auto series = store.readSeries(f.runId, "loss/total");
    QCOMPARE(series.size(), std::size_t{8});
    for (std::size_t i = 0; i < series.size(); ++i) {
        QCOMPARE(series[i].step, static_cast<std::int64_t>(i + 1));
        QCOMPARE(series[i].value, losses[i]);
    }
    QCOMPARE(series[3].epoch, 1.0);
    for (const char* key : {"loss/toy", "lr", "grad_norm", "tokens_per_s", "step_seconds", "valid/loss"}) {
        QVERIFY2(!store.readSeries(f.runId, key).empty(), key);
    }
    QCOMPARE(store.readSeries(f.runId, "lr")[0].value, 0.0);  // warm-up starts at 0
    const auto evals = store.evaluations(f.runId);
    QCOMPARE(evals.size(), std::size_t{4});
    QCOMPARE(evals[0].split, std::string("valid"));
    QCOMPARE(evals[0].metric, std::string("loss"));
    QCOMPARE(store.divergences(f.runId).size(), std::size_t{4});
    QCOMPARE(store.samples(f.runId).size(), std::size_t{4});
    // Every named histogram of every evaluation, under its own kind.
    const auto histograms = store.histograms(f.runId);
    QCOMPARE(histograms.size(), std::size_t{8});
    int recommended = 0;
    for (const auto& h : histograms) {
        QVERIFY2(h.kind == "groups_recommended" || h.kind == "groups_history", h.kind.c_str());
        if (h.kind == "groups_recommended") {
            ++recommended;
            QVERIFY(h.bins == (std::vector<double>{0.75, 0.25}));
        }
    }
    QCOMPARE(recommended, 4);
    // Events: `best` at the 3 improvements (steps 2, 4, 6) and `last` at the epoch ends (4, 8).
    // The store keeps one row per step, `best` winning at step 4: steps 2, 4, 6, 8.
    QCOMPARE(checkpoints, 3 + 2);
    const auto rows = store.checkpoints(f.runId);
    QCOMPARE(rows.size(), std::size_t{4});
    QCOMPARE(rows[1].step, std::int64_t{4});
    QVERIFY(test::contains(rows[1].path, "best"));
    QCOMPARE(rows[1].metric.value_or(0), 2.0);
    QVERIFY(test::contains(rows[3].path, "last"));
}

void TestRunController::cancelStopsWithinOneStepAndResumes() {
    Fixture f;
    f.objective->onCompute = [] { std::this_thread::sleep_for(15ms); };
    std::atomic<std::int64_t> steps{0};
    std::int64_t stepsAtCancel = -1;
    {
        RunController controller(f.trainer(50), f.controllerOptions());
        controller.addListener([&](const RunEvent& event) {
            if (std::holds_alternative<StepEvent>(event)) ++steps;
        });
        controller.start();
        QVERIFY(waitFor([&] { return steps.load() >= 3; }));
        stepsAtCancel = steps.load();
        controller.cancel();
        QVERIFY(controller.wait() == RunState::Cancelled);
        QVERIFY2(steps.load() - stepsAtCancel <= 1,
                 (std::to_string(steps.load()) + " vs " + std::to_string(stepsAtCancel)).c_str());
        QVERIFY(!controller.result()->lastCheckpoint.empty());
    }
    QCOMPARE(std::string(store::toString(f.info().status)), std::string("cancelled"));
    const fs::path last = f.dir.path() / "checkpoints" / "last";
    QCOMPARE(TrainingCheckpoint::readPosition(last).step, steps.load());

    // `flower resume`: the same run id continues from `last` to the end.
    f.objective->onCompute = nullptr;
    auto options = f.controllerOptions();
    options.resumeFrom = last;
    RunController resumed(f.trainer(50, 9), options);
    resumed.start();
    QVERIFY(resumed.wait() == RunState::Finished);
    QCOMPARE(resumed.lastStep(), std::int64_t{200});
    QCOMPARE(std::string(store::toString(f.info().status)), std::string("finished"));
    QCOMPARE(store::RunStore(f.storeFile).readSeries(f.runId, "loss/total").size(), std::size_t{200});
}

void TestRunController::pauseHoldsTheWorker() {
    Fixture f;
    f.objective->onCompute = [] { std::this_thread::sleep_for(5ms); };
    std::atomic<std::int64_t> steps{0};
    std::atomic<int> pausedEvents{0};
    double longestStep = 0;  // written on the worker, read after wait()
    RunController controller(f.trainer(4), f.controllerOptions());  // 16 updates
    controller.addListener([&](const RunEvent& event) {
        if (const auto* s = std::get_if<StepEvent>(&event)) {
            ++steps;
            longestStep = std::max(longestStep, s->stepSeconds);
        }
        if (const auto* s = std::get_if<StateEvent>(&event); s && s->state == RunState::Paused) ++pausedEvents;
    });
    controller.start();
    QVERIFY(waitFor([&] { return steps.load() >= 2; }));
    controller.pause();
    QVERIFY(waitFor([&] { return controller.state() == RunState::Paused; }));
    const std::int64_t held = steps.load();
    std::this_thread::sleep_for(200ms);
    QCOMPARE(steps.load(), held);
    QVERIFY(held < 16);
    controller.resume();
    QVERIFY(controller.wait() == RunState::Finished);
    QCOMPARE(steps.load(), std::int64_t{16});
    QCOMPARE(pausedEvents.load(), 1);
    // The 200 ms pause is not counted as step time (a step here takes a few milliseconds).
    QVERIFY2(longestStep < 0.2, std::to_string(longestStep).c_str());
}

void TestRunController::nanLossFailsTheRun() {
    Fixture f;
    f.objective->nanAtCall = 5;  // micro-batches of 1, 2 per update: update 3
    RunController controller(f.trainer(2), f.controllerOptions());
    controller.start();
    QVERIFY(controller.wait() == RunState::Failed);
    QVERIFY2(test::contains(controller.error(), "step 3"), controller.error().c_str());
    QVERIFY(fs::exists(f.dir.path() / "checkpoints" / "diagnostic-step-3.json"));
    const auto info = f.info();
    QCOMPARE(std::string(store::toString(info.status)), std::string("failed"));
    QVERIFY(test::contains(info.error.value_or(""), "step 3"));
    QCOMPARE(store::RunStore(f.storeFile).readSeries(f.runId, "loss/total").size(), std::size_t{2});
}

void TestRunController::exceptionOnTheWorkerFailsTheRun() {
    Fixture f;
    f.objective->onCompute = [&] {
        if (f.objective->calls == 3) throw std::runtime_error("objective exploded");
    };
    RunController controller(f.trainer(1), f.controllerOptions());
    controller.start();
    QVERIFY(controller.wait() == RunState::Failed);
    QVERIFY(test::contains(controller.error(), "objective exploded"));
    QVERIFY(test::contains(f.info().error.value_or(""), "objective exploded"));
}

void TestRunController::unknownRunIsAnErrorAtStart() {
    Fixture f;
    auto options = f.controllerOptions();
    options.runId = 4242;
    RunController controller(f.trainer(1), options);
    QVERIFY_THROWS_EXCEPTION(flower::Error, controller.start());
    QVERIFY(controller.state() == RunState::Idle);
}

void TestRunController::startingTwiceIsAnError() {
    Fixture f;
    RunController controller(f.trainer(1), RunControllerOptions{});
    controller.start();
    QVERIFY_THROWS_EXCEPTION(flower::Error, controller.start());
    QVERIFY(controller.wait() == RunState::Finished);
}

FLOWER_TEST_MAIN(TestRunController, runWritesEverySeriesToTheStore,
                 cancelStopsWithinOneStepAndResumes, pauseHoldsTheWorker, nanLossFailsTheRun,
                 exceptionOnTheWorkerFailsTheRun, unknownRunIsAnErrorAtStart, startingTwiceIsAnError)

#ifdef FLOWER_TEST_QT
#include "test_run_controller.moc"
#endif
