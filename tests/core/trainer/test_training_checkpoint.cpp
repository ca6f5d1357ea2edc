// TrainingCheckpoint: a checkpoint restores weights, AdamW moments, generator states and the
// data position exactly; writes are atomic (a crashed write's .tmp folder or a crash between
// the two renames never loses the previous checkpoint); broken checkpoints are refused.
#include "core/model/safetensors_writer.h"
#include "core/train/master_weights.h"
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

std::unique_ptr<Trainer> trainer(const fs::path& root, std::uint64_t initSeed) {
    return std::make_unique<Trainer>(test::toyModel(initSeed), std::make_shared<test::ToyObjective>(),
                                     std::make_shared<test::ToyData>(10, 2), nullptr, options(root));
}

// A trained run's `last` checkpoint under `root`.
std::unique_ptr<Trainer> trained(const fs::path& root) {
    auto t = trainer(root, 1);
    t->train();
    return t;
}

const torch::optim::AdamWParamState& momentsOf(Trainer& t, const at::Tensor& p) {
    const auto& state = t.optimizer().state();
    return static_cast<const torch::optim::AdamWParamState&>(
        *state.at(c10::guts::to_string(p.unsafeGetTensorImpl())));
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

FLOWER_TEST_MAIN(TestTrainingCheckpoint, roundTripRestoresEverything, leftoverTmpDoesNotBreakLoading,
                 crashBetweenRenamesKeepsThePreviousCheckpoint, incompleteCheckpointIsRefused,
                 optimizerStateOfAnUnknownParameterIsRefused, malformedStateFileIsRefused)

#ifdef FLOWER_TEST_QT
#include "test_training_checkpoint.moc"
#endif
