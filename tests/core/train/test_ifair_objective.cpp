// IfairObjective: weights w(g) = history share / target share (hand-computed), the loss as the
// mean of each sample's token-mean NLL times its group's weight (brute force per row; group −1
// weighs 1), and the refused inputs.
#include "core/data/popularity_groups.h"
#include "core/train/ifair_objective.h"
#include "core/util/error.h"
#include "tests/core/train/batch_fixtures.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

using namespace flower;

class TestIfairObjective : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void weightsFromGroupShares();
    void lossWeightsEachSample();
    void rejectsBadWeightsAndGroups();
};

void TestIfairObjective::weightsFromGroupShares() {
    data::GroupDistribution history, targets;
    history.shares = {0.5, 0.3, 0.2};
    targets.shares = {0.25, 0.75, 0.0};
    const auto w = train::IfairObjective::weightsFrom(history, targets);
    QCOMPARE(w.size(), std::size_t{3});
    QVERIFY(std::abs(w[0] - 2.0) < 1e-12);
    QVERIFY(std::abs(w[1] - 0.4) < 1e-12);
    QCOMPARE(w[2], 1.0);  // no training target in group 2: unused, 1
    data::GroupDistribution other;
    other.shares = {1.0};
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::IfairObjective::weightsFrom(history, other));
}

void TestIfairObjective::lossWeightsEachSample() {
    const auto batch = test::smallBatch();  // groups 0, −1, 1
    auto policy = test::nanoPolicy(7, torch::kDouble);
    train::IfairObjective ifair({2.0, 0.4});
    auto gen = test::cpuGenerator(0);
    const auto terms = ifair.compute(*policy, batch, gen);
    const std::vector<double> weight = {2.0, 1.0, 0.4};
    const std::vector<double> count = {4.0, 2.0, 3.0};
    double expected = 0.0, sft = 0.0;
    for (std::int64_t r = 0; r < 3; ++r) {
        const double nll = -test::bruteForceLogLik(*policy, batch.promptIds, batch.promptMask,
                                                   batch.targetIds, batch.targetMask, r).item<double>();
        expected += weight[r] * nll / count[r] / 3.0;
        sft += nll / 9.0;
    }
    QVERIFY2(std::abs(terms.loss.item<double>() - expected) < 1e-12,
             (std::to_string(terms.loss.item<double>()) + " vs " + std::to_string(expected)).c_str());
    QVERIFY(std::abs(terms.scalar("loss/sft") - sft) < 1e-12);
    QVERIFY(std::abs(terms.scalar("ifair/mean_weight") - 3.4 / 3.0) < 1e-12);
    QCOMPARE(ifair.name(), std::string("ifairlrs"));
}

void TestIfairObjective::rejectsBadWeightsAndGroups() {
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::IfairObjective(std::vector<double>{}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::IfairObjective(std::vector<double>{1.0, -0.5}));
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             train::IfairObjective(std::vector<double>{std::numeric_limits<double>::infinity()}));
    auto batch = test::smallBatch();
    batch.targetGroup = torch::tensor({0, 2, 1}, torch::kLong);  // group 2 of 2 groups
    auto policy = test::nanoPolicy(7);
    train::IfairObjective ifair({2.0, 0.4});
    auto gen = test::cpuGenerator(0);
    QVERIFY_THROWS_EXCEPTION(flower::Error, ifair.compute(*policy, batch, gen));
    batch.targetGroup = torch::tensor({0, -2, 1}, torch::kLong);
    QVERIFY_THROWS_EXCEPTION(flower::Error, ifair.compute(*policy, batch, gen));
}

FLOWER_TEST_MAIN(TestIfairObjective, weightsFromGroupShares, lossWeightsEachSample,
                 rejectsBadWeightsAndGroups)

#ifdef FLOWER_TEST_QT
#include "test_ifair_objective.moc"
#endif
