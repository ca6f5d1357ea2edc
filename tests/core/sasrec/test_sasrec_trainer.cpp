// SasRecTrainer on a small synthetic dataset: the same seed gives the same weights, losses and
// metrics bit for bit, another seed does not; it learns (validation HR@20 well above chance);
// the kept epoch is the best validation NDCG@20 and early stopping follows the reference's
// counter; the sequences it reads are the splits' rows, right-padded; evaluateRanking equals
// ranking scoreRows' output.
#include "core/data/synthetic_catalog.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/sasrec/sasrec_trainer.h"
#include "core/sasrec/sequence_tensors.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

using namespace flower::sasrec;

namespace {

const flower::data::Dataset& smallDataset() {
    static const flower::data::Dataset d = [] {
        flower::data::SyntheticConfig c;
        c.items = 80;
        c.users = 300;
        c.seed = 2;
        return flower::data::generateSynthetic(c).dataset;
    }();
    return d;
}

flower::data::InteractionRow rowOf(std::vector<flower::data::ItemId> history) {
    flower::data::InteractionRow row;
    row.history = std::move(history);
    row.target = 0;
    return row;
}

SasRecTrainingOptions quick(std::uint64_t seed, int epochs) {
    SasRecTrainingOptions o;
    o.seed = seed;
    o.maxEpochs = epochs;
    o.batchSize = 128;
    o.lr = 5e-3;
    return o;
}

}  // namespace

class TestSasRecTrainer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sequencesArePaddedRows();
    void sameSeedSameRun();
    void learnsAndKeepsTheBestEpoch();
    void earlyStoppingCountsAsTheReference();
    void evaluationEqualsRankingTheScores();
};

void TestSasRecTrainer::sequencesArePaddedRows() {
    const auto& d = smallDataset();
    const auto items = static_cast<std::int64_t>(d.catalog.size());
    const auto t = SequenceTensors::fromSplit(d.train, items, 10);
    QCOMPARE(t.rows(), static_cast<std::int64_t>(d.train.size()));
    for (std::int64_t r = 0; r < t.rows(); r += 37) {
        const auto& row = d.train.rows()[static_cast<std::size_t>(r)];
        QCOMPARE(t.lengths[r].item<std::int64_t>(), static_cast<std::int64_t>(row.history.size()));
        QCOMPARE(t.targets[r].item<std::int64_t>(), static_cast<std::int64_t>(row.target));
        for (std::int64_t i = 0; i < 10; ++i) {
            const std::int64_t expected = i < static_cast<std::int64_t>(row.history.size())
                                              ? row.history[static_cast<std::size_t>(i)] : items;
            QCOMPARE(t.states[r][i].item<std::int64_t>(), expected);
        }
    }
    // Longer than maxLength: the most recent items are kept.
    flower::data::InteractionSplit split("x", {rowOf({1, 2, 3, 4})});
    const auto cut = SequenceTensors::fromSplit(split, 5, 3);
    QCOMPARE(cut.states[0][0].item<std::int64_t>(), std::int64_t(2));
    QCOMPARE(cut.lengths[0].item<std::int64_t>(), std::int64_t(3));
    flower::data::InteractionSplit empty("x", {rowOf({})});
    QVERIFY_THROWS_EXCEPTION(flower::Error, SequenceTensors::fromSplit(empty, 5, 3));
    flower::data::InteractionSplit outside("x", {rowOf({7})});
    QVERIFY_THROWS_EXCEPTION(flower::Error, SequenceTensors::fromSplit(outside, 5, 3));
}

void TestSasRecTrainer::sameSeedSameRun() {
    const auto a = SasRecTrainer(smallDataset(), quick(3, 2)).train();
    const auto b = SasRecTrainer(smallDataset(), quick(3, 2)).train();
    const auto c = SasRecTrainer(smallDataset(), quick(4, 2)).train();
    QCOMPARE(a.epochs.size(), std::size_t(2));
    for (std::size_t e = 0; e < 2; ++e) QCOMPARE(a.epochs[e].loss, b.epochs[e].loss);
    const auto pa = a.model->parameters(), pb = b.model->parameters(), pc = c.model->parameters();
    bool allEqual = true, anyDifferent = false;
    for (std::size_t i = 0; i < pa.size(); ++i) {
        allEqual = allEqual && torch::equal(pa[i], pb[i]);
        anyDifferent = anyDifferent || !torch::equal(pa[i], pc[i]);
    }
    QVERIFY(allEqual);
    QVERIFY(anyDifferent);
    QCOMPARE(a.test.ndcg(20), b.test.ndcg(20));
}

void TestSasRecTrainer::learnsAndKeepsTheBestEpoch() {
    std::vector<double> seen;
    auto r = SasRecTrainer(smallDataset(), quick(1, 8)).train([&](const SasRecEpoch& e) {
        seen.push_back(e.valid.ndcg(20));
    });
    QCOMPARE(seen.size(), std::size_t(r.epochsRun));
    QVERIFY(r.epochs.back().loss < r.epochs.front().loss);
    const double chance = 20.0 / static_cast<double>(smallDataset().catalog.size());
    QVERIFY2(r.bestValid.hr(20) > 1.5 * chance, std::to_string(r.bestValid.hr(20)).c_str());
    const double best = *std::max_element(seen.begin(), seen.end());
    QCOMPARE(r.bestValid.ndcg(20), best);
    QCOMPARE(seen[static_cast<std::size_t>(r.bestEpoch - 1)], best);
    QVERIFY(r.epochs[static_cast<std::size_t>(r.bestEpoch - 1)].best);
    // The model handed back is the best epoch's: its validation metrics are the kept ones.
    const SasRecTrainer again(smallDataset(), quick(1, 8));
    const auto valid = evaluateRanking(*r.model, again.split("valid")).metrics;
    QCOMPARE(valid.ndcg(20), r.bestValid.ndcg(20));
}

void TestSasRecTrainer::earlyStoppingCountsAsTheReference() {
    // A learning rate of 0 changes nothing after epoch 1 (Adam's step is lr-scaled): every later
    // epoch is "no improvement", and with patience p the run stops at epoch 1 + p + 1.
    auto o = quick(1, 50);
    o.lr = 0.0;
    o.weightDecay = 0.0;
    o.patience = 3;
    const auto r = SasRecTrainer(smallDataset(), o).train();
    QCOMPARE(r.bestEpoch, 1);
    QCOMPARE(r.epochsRun, 5);
    QVERIFY(r.stoppedEarly);
}

void TestSasRecTrainer::evaluationEqualsRankingTheScores() {
    const SasRecTrainer trainer(smallDataset(), quick(1, 1));
    auto r = SasRecTrainer(smallDataset(), quick(1, 1)).train();
    const auto& test = trainer.split("test");
    const at::Tensor scores = scoreRows(*r.model, test, 17);  // batches of 17: order kept
    QCOMPARE(scores.size(0), test.rows());
    const auto byScores = rankScores(scores, test.targets);
    const auto direct = evaluateRanking(*r.model, test, {1, 3, 5, 10, 20}, 29);
    QVERIFY(byScores.ranks == direct.ranks);
    QVERIFY(byScores.top == direct.top);
    QCOMPARE(direct.metrics.ndcg(5), r.test.ndcg(5));
}

FLOWER_TEST_MAIN(TestSasRecTrainer, sequencesArePaddedRows, sameSeedSameRun, learnsAndKeepsTheBestEpoch,
                 earlyStoppingCountsAsTheReference, evaluationEqualsRankingTheScores)
#ifdef FLOWER_TEST_QT
#include "test_sasrec_trainer.moc"
#endif
