// Trainer: accumulation equals one big batch, clipping, seeded data order, determinism,
// resume-equals-uninterrupted (also from a mid-epoch checkpoint, a cancelled mid-update and a
// bf16 model with fp32 masters), no masters for fp32, the NaN guard and early stopping — on
// the nano Qwen2 with a toy objective.
#include "core/train/master_weights.h"
#include "core/train/trainer.h"
#include "tests/core/trainer/toy_training.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <numeric>
#include <set>

using namespace flower;
using namespace flower::train;
namespace fs = std::filesystem;

namespace {

TrainerOptions toyOptions(int batch, int micro, int epochs) {
    TrainerOptions o;
    o.optimizer.lr = 1e-2;
    o.optimizer.warmupSteps = 2;
    o.optimizer.schedule = run::LrSchedule::Linear;
    o.optimizer.weightDecay = 0.01;
    o.optimizer.gradClip = 1.0;
    o.batchSize = batch;
    o.microBatchSize = micro;
    o.epochs = epochs;
    o.earlyStopping.patience = 0;
    o.seed = 7;
    return o;
}

struct Run {
    std::shared_ptr<test::ToyObjective> objective = std::make_shared<test::ToyObjective>();
    std::unique_ptr<Trainer> trainer;
    Run(const TrainerOptions& options, std::int64_t trainSize, std::uint64_t initSeed = 1,
        std::shared_ptr<Evaluator> evaluator = nullptr, c10::ScalarType dtype = torch::kFloat) {
        trainer = std::make_unique<Trainer>(test::toyModel(initSeed, dtype), objective,
                                            std::make_shared<test::ToyData>(trainSize, 4),
                                            std::move(evaluator), options);
    }
};

// "loss/total" of every update, in order.
std::vector<double> lossesOf(Trainer& trainer, TrainerHooks hooks = {}) {
    std::vector<double> losses;
    auto inner = hooks.onStep;
    hooks.onStep = [&](const StepEvent& e) {
        losses.push_back(e.losses.front().second);
        if (inner) inner(e);
    };
    trainer.train(hooks);
    return losses;
}

std::vector<at::Tensor> gradsOf(Trainer& trainer) {
    std::vector<at::Tensor> grads;
    for (const auto& p : trainer.model()->parameters()) {
        grads.push_back(p.grad().clone());
    }
    return grads;
}

double maxDiff(const std::vector<double>& a, const std::vector<double>& b) {
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
}

}  // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void accumulationEqualsOneBatch();
    void unevenMicroBatchesWeighByShare();
    void clipsTheGlobalNorm();
    void epochOrderIsASeededPermutation();
    void countsStepsPerEpochAndCapsAtMaxSteps();
    void sameSeedSameLosses();
    void resumeEqualsUninterrupted();
    void resumeFromMidEpochCheckpoint();
    void bf16ResumeEqualsUninterrupted();
    void fp32ModelHasNoMasters();
    void nanLossStopsWithDiagnostic();
    void earlyStoppingWithPatience();
    void missingMonitoredMetricIsAnError();
    void rejectsZeroBatch();
};

void TestTrainer::accumulationEqualsOneBatch() {
    // Batch 8 in micro-batches of 2 versus one micro-batch of 8: the same mean-loss gradient.
    Run micro(toyOptions(8, 2, 1), 8), whole(toyOptions(8, 8, 1), 8);
    micro.objective->random = whole.objective->random = false;
    const std::vector<std::int64_t> rows = {0, 1, 2, 3, 4, 5, 6, 7};
    const auto a = micro.trainer->accumulateGradients(rows);
    const auto b = whole.trainer->accumulateGradients(rows);
    QVERIFY(a && b);
    QCOMPARE(micro.objective->calls.load(), std::int64_t{4});
    QCOMPARE(whole.objective->calls.load(), std::int64_t{1});
    QVERIFY(std::abs(a->scalar("loss/total") - b->scalar("loss/total")) < 1e-6);
    const auto ga = gradsOf(*micro.trainer), gb = gradsOf(*whole.trainer);
    QCOMPARE(ga.size(), gb.size());
    for (std::size_t i = 0; i < ga.size(); ++i) {
        const double diff = (ga[i] - gb[i]).abs().max().item<double>();
        QVERIFY2(diff <= 1e-5, std::to_string(diff).c_str());
    }
    QVERIFY(ga[0].abs().sum().item<double>() > 0);
}

void TestTrainer::unevenMicroBatchesWeighByShare() {
    // 7 rows in micro-batches of 3, 3, 1: shares 3/7, 3/7, 1/7 give the mean over the 7.
    Run micro(toyOptions(7, 3, 1), 7), whole(toyOptions(7, 7, 1), 7);
    micro.objective->random = whole.objective->random = false;
    const std::vector<std::int64_t> rows = {6, 0, 5, 1, 4, 2, 3};
    micro.trainer->accumulateGradients(rows);
    whole.trainer->accumulateGradients(rows);
    const auto ga = gradsOf(*micro.trainer), gb = gradsOf(*whole.trainer);
    for (std::size_t i = 0; i < ga.size(); ++i) {
        QVERIFY((ga[i] - gb[i]).abs().max().item<double>() <= 1e-5);
    }
}

void TestTrainer::clipsTheGlobalNorm() {
    auto a = torch::zeros({2}, torch::requires_grad());
    auto b = torch::zeros({1}, torch::requires_grad());
    auto unused = torch::zeros({3}, torch::requires_grad());  // no gradient: skipped
    a.mutable_grad() = torch::tensor({3.0f, 0.0f});
    b.mutable_grad() = torch::tensor({4.0f});
    // Norm sqrt(9 + 16) = 5; clip to 1 → scaled by 1 / (5 + 1e-6).
    QCOMPARE(clipGradNorm({a, b, unused}, 1.0), 5.0);
    QVERIFY(std::abs(a.grad()[0].item<double>() - 3.0 / (5.0 + 1e-6)) < 1e-6);
    QVERIFY(std::abs(b.grad()[0].item<double>() - 4.0 / (5.0 + 1e-6)) < 1e-6);
    // Below the limit or with clipping off: reported, unchanged.
    a.mutable_grad() = torch::tensor({3.0f, 0.0f});
    b.mutable_grad() = torch::tensor({4.0f});
    QCOMPARE(clipGradNorm({a, b}, 10.0), 5.0);
    QCOMPARE(clipGradNorm({a, b}, 0.0), 5.0);
    QCOMPARE(a.grad()[0].item<float>(), 3.0f);
}

void TestTrainer::epochOrderIsASeededPermutation() {
    Run run(toyOptions(4, 2, 3), 50);
    const auto e0 = run.trainer->epochOrder(0), e1 = run.trainer->epochOrder(1);
    std::vector<std::int64_t> sorted = e0;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::int64_t> expected(50);
    std::iota(expected.begin(), expected.end(), 0);
    QVERIFY(sorted == expected);
    QVERIFY(e0 != e1);
    QVERIFY(e0 != expected);
    Run again(toyOptions(4, 2, 3), 50);
    QVERIFY(again.trainer->epochOrder(1) == e1);
    auto other = toyOptions(4, 2, 3);
    other.seed = 8;
    Run otherSeed(other, 50);
    QVERIFY(otherSeed.trainer->epochOrder(0) != e0);
}

void TestTrainer::countsStepsPerEpochAndCapsAtMaxSteps() {
    Run run(toyOptions(4, 2, 3), 10);  // 4 + 4 + 2 per epoch
    QCOMPARE(run.trainer->stepsPerEpoch(), std::int64_t{3});
    QCOMPARE(run.trainer->totalSteps(), std::int64_t{9});
    auto capped = toyOptions(4, 2, 3);
    capped.maxSteps = 5;
    Run cappedRun(capped, 10);
    QCOMPARE(cappedRun.trainer->totalSteps(), std::int64_t{5});
    std::vector<double> epochs;
    TrainerHooks hooks;
    hooks.onStep = [&](const StepEvent& e) { epochs.push_back(e.epoch); };
    const auto result = cappedRun.trainer->train(hooks);
    QCOMPARE(result.steps, std::int64_t{5});
    QCOMPARE(epochs.size(), std::size_t{5});
    QCOMPARE(epochs[0], 0.4);
    QCOMPARE(epochs[2], 1.0);
    QCOMPARE(epochs[3], 1.4);
}

void TestTrainer::sameSeedSameLosses() {
    Run a(toyOptions(4, 2, 2), 10), b(toyOptions(4, 2, 2), 10);
    const auto la = lossesOf(*a.trainer), lb = lossesOf(*b.trainer);
    QCOMPARE(la.size(), std::size_t{6});
    QVERIFY(la == lb);  // bit for bit
    auto other = toyOptions(4, 2, 2);
    other.seed = 8;
    Run c(other, 10);
    QVERIFY(lossesOf(*c.trainer) != la);
}

void TestTrainer::resumeEqualsUninterrupted() {
    test::TempDir dir("trainer-resume");
    auto options = toyOptions(4, 2, 2);  // 3 updates per epoch (4, 4, 2 rows), 6 in all
    const std::vector<double> straight = lossesOf(*Run(options, 10).trainer);

    // Cancelled at the second micro-batch of update 5 (mid-epoch, after the sampling generator
    // moved): the checkpoint must hold the state at the start of update 5.
    options.checkpointRoot = dir.path();
    Run first(options, 10);
    std::vector<double> before;
    TrainerHooks hooks;
    std::int64_t checks = 0;
    hooks.shouldStop = [&] { return ++checks == 9; };  // checks 2+2+1 (epoch 0) + 2, then the 2nd of update 5
    hooks.onStep = [&](const StepEvent& e) { before.push_back(e.losses.front().second); };
    const TrainResult stopped = first.trainer->train(hooks);
    QVERIFY(stopped.reason == StopReason::Cancelled);
    QCOMPARE(stopped.steps, std::int64_t{4});
    const TrainingPosition pos = TrainingCheckpoint::readPosition(dir.path() / "last");
    QCOMPARE(pos.step, std::int64_t{4});
    QCOMPARE(pos.epoch, std::int64_t{1});
    QCOMPARE(pos.indexInEpoch, std::int64_t{4});
    QVERIFY(pos.objectiveState.count("scale") == 1);  // set at the end of epoch 0
    QCOMPARE(pos.objectiveState.at("scale"), first.objective->scale);

    // Fresh objects, other initial weights and a disturbed default generator: all restored.
    torch::manual_seed(12345);
    Run second(options, 10, /*initSeed=*/99);
    torch::rand({5});
    second.trainer->restore(dir.path() / "last");
    const std::vector<double> after = lossesOf(*second.trainer);
    std::vector<double> resumed = before;
    resumed.insert(resumed.end(), after.begin(), after.end());
    QCOMPARE(resumed.size(), straight.size());
    QVERIFY2(maxDiff(resumed, straight) <= 1e-6, std::to_string(maxDiff(resumed, straight)).c_str());
    QVERIFY(resumed == straight);  // bit for bit on the CPU
}

void TestTrainer::resumeFromMidEpochCheckpoint() {
    test::TempDir dir("trainer-midepoch");
    auto options = toyOptions(4, 2, 2);
    options.checkpointEvery = 2;  // step 2 is mid-epoch (8 of 10 rows consumed)
    options.checkpointRoot = dir.path() / "run";
    Run straight(options, 10);
    TrainerHooks hooks;
    hooks.onCheckpoint = [&](const CheckpointEvent& e) {
        if (e.step == 2 && !e.best) fs::copy(e.dir, dir.path() / "step2", fs::copy_options::recursive);
    };
    const auto losses = lossesOf(*straight.trainer, hooks);
    QCOMPARE(losses.size(), std::size_t{6});
    const TrainingPosition mid = TrainingCheckpoint::readPosition(dir.path() / "step2");
    QCOMPARE(mid.indexInEpoch, std::int64_t{8});
    QCOMPARE(mid.epochSteps, std::int64_t{2});  // epoch 0's mean needs steps 1–2 from here
    QVERIFY(mid.epochScalarSums.count("loss/toy") == 1);

    options.checkpointRoot = dir.path() / "resumed";
    Run second(options, 10, 5);
    second.trainer->restore(dir.path() / "step2");
    const auto after = lossesOf(*second.trainer);
    QCOMPARE(after.size(), std::size_t{4});
    QVERIFY(std::vector<double>(losses.begin() + 2, losses.end()) == after);
}

void TestTrainer::bf16ResumeEqualsUninterrupted() {
    // As resumeFromMidEpochCheckpoint, with a bf16 model: the checkpoint's fp32 masters (not
    // the rounded weights) and fp32 moments make the resumed run continue bit for bit.
    test::TempDir dir("trainer-bf16-resume");
    auto options = toyOptions(4, 2, 2);
    options.checkpointEvery = 2;
    options.checkpointRoot = dir.path() / "run";
    Run straight(options, 10, 1, nullptr, torch::kBFloat16);
    std::vector<at::Tensor> mastersAtStep2;
    TrainerHooks hooks;
    hooks.onStep = [&](const StepEvent& e) {
        if (e.step != 2) return;
        for (const auto& m : straight.trainer->masterWeights().optimized()) {
            mastersAtStep2.push_back(m.detach().clone());
        }
    };
    hooks.onCheckpoint = [&](const CheckpointEvent& e) {
        if (e.step == 2 && !e.best) fs::copy(e.dir, dir.path() / "step2", fs::copy_options::recursive);
    };
    const auto losses = lossesOf(*straight.trainer, hooks);
    QCOMPARE(losses.size(), std::size_t{6});
    QVERIFY(fs::exists(dir.path() / "step2" / "master.safetensors"));

    options.checkpointRoot = dir.path() / "resumed";
    Run second(options, 10, 5, nullptr, torch::kBFloat16);
    second.trainer->restore(dir.path() / "step2");
    const MasterWeights& mw = second.trainer->masterWeights();
    const auto params = second.trainer->model()->parameters();
    QCOMPARE(mw.masterCount(), mastersAtStep2.size());
    bool roundedAway = false;  // the masters hold what the bf16 weights cannot
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY(torch::equal(mw.optimized()[i], mastersAtStep2[i]));
        QVERIFY(torch::equal(params[i], mastersAtStep2[i].to(torch::kBFloat16)));
        roundedAway = roundedAway || !torch::equal(mastersAtStep2[i], params[i].to(torch::kFloat));
    }
    QVERIFY(roundedAway);
    const auto after = lossesOf(*second.trainer);
    QCOMPARE(after.size(), std::size_t{4});
    QVERIFY(std::vector<double>(losses.begin() + 2, losses.end()) == after);  // bit for bit
    const auto straightParams = straight.trainer->model()->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY(torch::equal(params[i], straightParams[i]));
        QVERIFY(torch::equal(mw.optimized()[i], straight.trainer->masterWeights().optimized()[i]));
    }
}

void TestTrainer::fp32ModelHasNoMasters() {
    test::TempDir dir("trainer-fp32-masters");
    auto options = toyOptions(4, 2, 1);
    options.checkpointRoot = dir.path();
    Run run(options, 6);
    const MasterWeights& mw = run.trainer->masterWeights();
    QVERIFY(!mw.hasMasters());
    const auto params = run.trainer->model()->parameters();
    const auto& optimized = run.trainer->optimizer().param_groups().at(0).params();
    QCOMPARE(optimized.size(), params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY(optimized[i].is_same(params[i]) && mw.optimized()[i].is_same(params[i]));
    }
    QCOMPARE(lossesOf(*run.trainer).size(), std::size_t{2});
    QVERIFY(fs::exists(dir.path() / "last" / "optimizer.safetensors"));
    QVERIFY(!fs::exists(dir.path() / "last" / "master.safetensors"));
}

void TestTrainer::nanLossStopsWithDiagnostic() {
    test::TempDir dir("trainer-nan");
    auto options = toyOptions(4, 4, 2);
    options.checkpointRoot = dir.path();
    Run run(options, 10);
    run.objective->nanAtCall = 3;  // one call per update: update 3
    const auto before = run.trainer->model()->parameters()[0].clone();
    std::int64_t step = -1;
    std::string message;
    try {
        run.trainer->train();
    } catch (const NonFiniteLossError& e) {
        step = e.step();
        message = e.what();
    }
    QCOMPARE(step, std::int64_t{3});
    QVERIFY2(test::contains(message, "step 3"), message.c_str());
    const fs::path file = dir.path() / "diagnostic-step-3.json";
    QVERIFY(fs::exists(file));
    std::ifstream in(file);
    const auto j = nlohmann::json::parse(in);
    QCOMPARE(j.at("step").get<std::int64_t>(), std::int64_t{3});
    QCOMPARE(j.at("rows").size(), std::size_t{2});  // update 3 = the last 2 rows of epoch 0
    QCOMPARE(j.at("micro_batches")[0].at("loss").get<std::string>(), std::string("nan"));
    QVERIFY(j.at("micro_batches")[0].at("scalars").contains("loss/toy"));
    QCOMPARE(run.trainer->position().step, std::int64_t{2});  // not applied
    QVERIFY(!torch::equal(before, run.trainer->model()->parameters()[0]));  // 2 updates were
}

void TestTrainer::earlyStoppingWithPatience() {
    test::TempDir dir("trainer-early");
    auto options = toyOptions(2, 2, 5);  // 5 updates per epoch of 10 rows
    options.evaluateEvery = 1;
    options.earlyStopping.patience = 2;
    options.checkpointRoot = dir.path();
    auto evaluator = std::make_shared<test::ScriptedEvaluator>(
        std::vector<double>{1.0, 0.8, 0.9, 0.85, 0.1});
    Run run(options, 10, 1, evaluator);
    std::vector<bool> improved;
    TrainerHooks hooks;
    hooks.onEvaluation = [&](const EvaluationEvent& e) { improved.push_back(e.improved); };
    const TrainResult r = run.trainer->train(hooks);
    QVERIFY(r.reason == StopReason::EarlyStopped);
    QCOMPARE(r.steps, std::int64_t{4});
    QCOMPARE(r.bestStep, std::int64_t{2});
    QCOMPARE(*r.bestMetric, 0.8);
    QVERIFY((improved == std::vector<bool>{true, true, false, false}));
    QVERIFY((evaluator->steps == std::vector<std::int64_t>{1, 2, 3, 4}));
    QVERIFY(!evaluator->sawTrainingMode);
    QVERIFY(!evaluator->sawGradients);
    QCOMPARE(TrainingCheckpoint::readPosition(dir.path() / "best").step, std::int64_t{2});
    QCOMPARE(TrainingCheckpoint::readPosition(dir.path() / "last").step, std::int64_t{4});
}

void TestTrainer::missingMonitoredMetricIsAnError() {
    auto options = toyOptions(2, 2, 1);
    options.evaluateEvery = 1;
    options.earlyStopping.patience = 1;
    options.earlyStopping.metric = "valid/ndcg@10";
    Run run(options, 4, 1, std::make_shared<test::ScriptedEvaluator>(std::vector<double>{1.0}));
    const std::string e = test::errorOf([&] { run.trainer->train(); });
    QVERIFY2(test::contains(e, "valid/ndcg@10") && test::contains(e, "valid/loss"), e.c_str());
}

void TestTrainer::rejectsZeroBatch() {
    const std::string e = test::errorOf([] { Run(toyOptions(0, 1, 1), 4); });
    QVERIFY2(test::contains(e, "batch_size"), e.c_str());
}

FLOWER_TEST_MAIN(TestTrainer, accumulationEqualsOneBatch, unevenMicroBatchesWeighByShare,
                 clipsTheGlobalNorm, epochOrderIsASeededPermutation,
                 countsStepsPerEpochAndCapsAtMaxSteps, sameSeedSameLosses,
                 resumeEqualsUninterrupted, resumeFromMidEpochCheckpoint,
                 bf16ResumeEqualsUninterrupted, fp32ModelHasNoMasters,
                 nanLossStopsWithDiagnostic, earlyStoppingWithPatience,
                 missingMonitoredMetricIsAnError, rejectsZeroBatch)

#ifdef FLOWER_TEST_QT
#include "test_trainer.moc"
#endif
