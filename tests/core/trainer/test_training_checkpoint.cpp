// TrainingCheckpoint: a checkpoint restores weights, AdamW moments, generator states and the
// data position exactly; writes are atomic (a crashed write's .tmp folder or a crash between
// the two renames never loses the previous checkpoint); broken checkpoints are refused; a bf16
// model's checkpoint holds its fp32 masters, required on restore.
#include "core/model/safetensors_writer.h"
#include "core/train/master_weights.h"
#include "core/train/optimizer_state_key.h"
#include "core/train/trainer.h"
#include "core/train/training_checkpoint.h"
#include "tests/core/trainer/toy_training.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <torch/torch.h>

using namespace flower;
using namespace flower::train;
namespace fs = std::filesystem;

namespace {

TrainerOptions options(const fs::path& root) {
    TrainerOptions o;
    o.optimizer.lr = 1e-2;
    o.optimizer.warmupSteps = 1;
    o.batchSize = 4;
    o.microBatchSize = 2;
    o.epochs = 1;
    o.maxSteps = 2;
    o.checkpointRoot = root;
    o.seed = 11;
    o.extras.experimentJson = R"({"name": "toy"})";
    return o;
}

std::unique_ptr<Trainer> trainer(const fs::path& root, std::uint64_t initSeed,
                                 c10::ScalarType dtype = torch::kFloat) {
    return std::make_unique<Trainer>(test::toyModel(initSeed, dtype),
                                     std::make_shared<test::ToyObjective>(),
                                     std::make_shared<test::ToyData>(10, 2), nullptr, options(root));
}

// A trained run's `last` checkpoint under `root`.
std::unique_ptr<Trainer> trained(const fs::path& root, c10::ScalarType dtype = torch::kFloat) {
    auto t = trainer(root, 1, dtype);
    t->train();
    return t;
}

// The error of restoring a fresh bf16 trainer from `dir`.
std::string bf16RestoreError(const fs::path& dir, const fs::path& root) {
    auto t = trainer(root, 1, torch::kBFloat16);
    return test::errorOf([&] { t->restore(dir); });
}

const torch::optim::AdamWParamState& momentsOf(Trainer& t, const at::Tensor& p) {
    const auto& state = t.optimizer().state();
    return static_cast<const torch::optim::AdamWParamState&>(
        *state.at(flower::train::optimizerStateKey(p)));
}

}  // namespace

class TestTrainingCheckpoint : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripRestoresEverything();
    void leftoverTmpDoesNotBreakLoading();
    void crashBetweenRenamesKeepsThePreviousCheckpoint();
    void incompleteCheckpointIsRefused();
    void optimizerStateOfAnUnknownParameterIsRefused();
    void malformedStateFileIsRefused();
    void bf16CheckpointWithoutMastersIsRefused();
    void masterOfAnUnknownParameterIsRefused();
    void masterMissingForAParameterIsRefused();
    void masterOfAnotherShapeIsRefused();
    void mastersLoadIntoAnFp32Model();
};

void TestTrainingCheckpoint::roundTripRestoresEverything() {
    test::TempDir dir("ckpt-roundtrip");
    auto a = trained(dir.path());
    const fs::path last = dir.path() / "last";
    QVERIFY(fs::exists(last / "model.safetensors") && fs::exists(last / "config.json"));
    QVERIFY(fs::exists(last / "experiment.json"));

    auto b = trainer(dir.path() / "other", 77);
    b->restore(last);
    QCOMPARE(b->position().step, std::int64_t{2});
    QCOMPARE(b->position().indexInEpoch, std::int64_t{8});
    QCOMPARE(b->position().tokens, a->position().tokens);
    const auto pa = a->model()->named_parameters(), pb = b->model()->named_parameters();
    for (const auto& item : pa) {
        QVERIFY2(torch::equal(item.value(), pb[item.key()]), item.key().c_str());
        const auto& ma = momentsOf(*a, item.value());
        const auto& mb = momentsOf(*b, pb[item.key()]);
        QCOMPARE(ma.step(), mb.step());
        QVERIFY(torch::equal(ma.exp_avg(), mb.exp_avg()));
        QVERIFY(torch::equal(ma.exp_avg_sq(), mb.exp_avg_sq()));
    }
    QCOMPARE(momentsOf(*b, pb.begin()->value()).step(), std::int64_t{2});
    // The sampling generator continues identically.
    const auto ra = torch::rand({4}, a->samplingGenerator());
    const auto rb = torch::rand({4}, b->samplingGenerator());
    QVERIFY(torch::equal(ra, rb));
}

void TestTrainingCheckpoint::leftoverTmpDoesNotBreakLoading() {
    test::TempDir dir("ckpt-tmp");
    auto a = trained(dir.path());
    // A write that crashed half-way: truncated weights, no state file.
    const fs::path crashed = dir.path() / "last.tmp-999999";
    fs::create_directories(crashed);
    dir.write("last.tmp-999999/model.safetensors", "garbage");
    QCOMPARE(*TrainingCheckpoint::resolve(dir.path() / "last"), dir.path() / "last");
    auto b = trainer(dir.path() / "b", 3);
    b->restore(dir.path() / "last");
    QCOMPARE(b->position().step, std::int64_t{2});
    // The next write replaces the checkpoint and clears the leftover.
    TrainingCheckpoint::write(dir.path() / "last", *a->model(), a->optimizer(), a->masterWeights(),
                              a->position(), RngState::capture(a->samplingGenerator()));
    QVERIFY(!fs::exists(crashed));
    QCOMPARE(TrainingCheckpoint::readPosition(dir.path() / "last").step, std::int64_t{2});
}

void TestTrainingCheckpoint::crashBetweenRenamesKeepsThePreviousCheckpoint() {
    test::TempDir dir("ckpt-renames");
    auto a = trained(dir.path());
    // The old checkpoint was moved aside, the new one never arrived.
    fs::rename(dir.path() / "last", dir.path() / "last.old-4242");
    dir.write("last.tmp-4242/config.json", "{");
    const auto where = TrainingCheckpoint::resolve(dir.path() / "last");
    QVERIFY(where.has_value());
    QCOMPARE(*where, dir.path() / "last.old-4242");
    auto b = trainer(dir.path() / "b", 3);
    b->restore(dir.path() / "last");
    QCOMPARE(b->position().step, std::int64_t{2});
    TrainingCheckpoint::write(dir.path() / "last", *a->model(), a->optimizer(), a->masterWeights(),
                              a->position(), RngState::capture(a->samplingGenerator()));
    QVERIFY(!fs::exists(dir.path() / "last.old-4242"));
    QVERIFY(!fs::exists(dir.path() / "last.tmp-4242"));
    QCOMPARE(*TrainingCheckpoint::resolve(dir.path() / "last"), dir.path() / "last");
}

void TestTrainingCheckpoint::incompleteCheckpointIsRefused() {
    test::TempDir dir("ckpt-incomplete");
    dir.write("last/config.json", "{}");
    auto t = trainer(dir.path() / "t", 1);
    const std::string e = test::errorOf([&] { t->restore(dir.path() / "last"); });
    QVERIFY2(test::contains(e, "no complete training checkpoint"), e.c_str());
}

void TestTrainingCheckpoint::optimizerStateOfAnUnknownParameterIsRefused() {
    test::TempDir dir("ckpt-foreign");
    trained(dir.path());
    model::writeSafetensors(dir.path() / "last" / "optimizer.safetensors",
                            {{"model.nope.weight.exp_avg", torch::zeros({2})}});
    auto t = trainer(dir.path() / "t", 1);
    const std::string e = test::errorOf([&] { t->restore(dir.path() / "last"); });
    QVERIFY2(test::contains(e, "model.nope.weight.exp_avg") && test::contains(e, "does not have"),
             e.c_str());
}

void TestTrainingCheckpoint::malformedStateFileIsRefused() {
    test::TempDir dir("ckpt-malformed");
    trained(dir.path());
    dir.write("last/trainer_state.json", R"({"format": "flower-training-checkpoint", "version": 1})");
    const std::string e = test::errorOf([&] { TrainingCheckpoint::readPosition(dir.path() / "last"); });
    QVERIFY2(test::contains(e, "trainer_state.json") && test::contains(e, "position"), e.c_str());
}

void TestTrainingCheckpoint::bf16CheckpointWithoutMastersIsRefused() {
    test::TempDir dir("ckpt-no-masters");
    trained(dir.path(), torch::kBFloat16);
    const fs::path file = dir.path() / "last" / "master.safetensors";
    QVERIFY(fs::exists(file));
    fs::remove(file);  // as a checkpoint written before masters existed
    auto t = trainer(dir.path() / "t", 5, torch::kBFloat16);
    const auto before = t->model()->parameters();
    std::vector<at::Tensor> initial;
    for (const auto& p : before) initial.push_back(p.detach().clone());
    const std::string e = test::errorOf([&] { t->restore(dir.path() / "last"); });
    QVERIFY2(test::contains(e, file.string()) && test::contains(e, "missing") &&
                 test::contains(e, "master"),
             e.c_str());
    for (std::size_t i = 0; i < before.size(); ++i) {
        QVERIFY(torch::equal(before[i], initial[i]));  // refused before loading anything
    }
}

void TestTrainingCheckpoint::masterOfAnUnknownParameterIsRefused() {
    test::TempDir dir("ckpt-master-unknown");
    trained(dir.path(), torch::kBFloat16);
    const fs::path file = dir.path() / "last" / "master.safetensors";
    model::writeSafetensors(file, {{"model.nope.weight", torch::zeros({2})}});
    const std::string e = bf16RestoreError(dir.path() / "last", dir.path() / "t");
    QVERIFY2(test::contains(e, file.string()) && test::contains(e, "model.nope.weight") &&
                 test::contains(e, "does not have"),
             e.c_str());
}

void TestTrainingCheckpoint::masterMissingForAParameterIsRefused() {
    test::TempDir dir("ckpt-master-missing");
    auto a = trained(dir.path(), torch::kBFloat16);
    const fs::path file = dir.path() / "last" / "master.safetensors";
    // Every master but the first parameter's.
    model::NamedTensors kept;
    std::string dropped;
    for (const auto& item : a->model()->named_parameters()) {
        if (dropped.empty()) {
            dropped = item.key();
            continue;
        }
        kept.emplace_back(item.key(), item.value().detach().to(torch::kFloat));
    }
    model::writeSafetensors(file, kept);
    const std::string e = bf16RestoreError(dir.path() / "last", dir.path() / "t");
    QVERIFY2(test::contains(e, file.string()) && test::contains(e, dropped) &&
                 test::contains(e, "missing"),
             e.c_str());
}

void TestTrainingCheckpoint::masterOfAnotherShapeIsRefused() {
    test::TempDir dir("ckpt-master-shape");
    auto a = trained(dir.path(), torch::kBFloat16);
    const fs::path file = dir.path() / "last" / "master.safetensors";
    model::NamedTensors masters;
    for (const auto& item : a->model()->named_parameters()) {
        masters.emplace_back(item.key(), item.value().detach().to(torch::kFloat).reshape({-1}));
    }
    model::writeSafetensors(file, masters);
    const std::string e = bf16RestoreError(dir.path() / "last", dir.path() / "t");
    QVERIFY2(test::contains(e, file.string()) && test::contains(e, "another shape"), e.c_str());
}

void TestTrainingCheckpoint::mastersLoadIntoAnFp32Model() {
    // Resuming a bf16 run in fp32: the parameters take the exact fp32 masters (not the rounded
    // model.safetensors), the moments their fp32 values.
    test::TempDir dir("ckpt-master-fp32");
    auto a = trained(dir.path(), torch::kBFloat16);
    auto b = trainer(dir.path() / "b", 7);
    b->restore(dir.path() / "last");
    const auto pa = a->model()->parameters(), pb = b->model()->parameters();
    const MasterWeights& ma = a->masterWeights();
    bool roundedAway = false;
    for (std::size_t i = 0; i < pa.size(); ++i) {
        QVERIFY(pb[i].scalar_type() == torch::kFloat);
        QVERIFY(torch::equal(pb[i], ma.optimized()[i]));
        roundedAway = roundedAway || !torch::equal(pb[i], pa[i].to(torch::kFloat));
        const auto& sa = momentsOf(*a, ma.optimized()[i]);
        const auto& sb = momentsOf(*b, pb[i]);
        QVERIFY(torch::equal(sa.exp_avg(), sb.exp_avg()) &&
                torch::equal(sa.exp_avg_sq(), sb.exp_avg_sq()));
    }
    QVERIFY(roundedAway);
}

FLOWER_TEST_MAIN(TestTrainingCheckpoint, roundTripRestoresEverything, leftoverTmpDoesNotBreakLoading,
                 crashBetweenRenamesKeepsThePreviousCheckpoint, incompleteCheckpointIsRefused,
                 optimizerStateOfAnUnknownParameterIsRefused, malformedStateFileIsRefused,
                 bf16CheckpointWithoutMastersIsRefused, masterOfAnUnknownParameterIsRefused,
                 masterMissingForAParameterIsRefused, masterOfAnotherShapeIsRefused,
                 mastersLoadIntoAnFp32Model)

#ifdef FLOWER_TEST_QT
#include "test_training_checkpoint.moc"
#endif
