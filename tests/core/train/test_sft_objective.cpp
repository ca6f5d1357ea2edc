// SftObjective: the token-mean cross-entropy of the target tokens equals the one computed from a
// plain full forward per row (no padding, no cache); gradients too; bad targets are refused.
#include "core/train/sft_objective.h"
#include "core/util/error.h"
#include "tests/core/train/batch_fixtures.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>

using namespace flower;

class TestSftObjective : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void lossEqualsBruteForceCrossEntropy();
    void gradientEqualsBruteForce();
    void worksWithoutGradients();
    void rejectsTargetOutsideVocabulary();
};

void TestSftObjective::lossEqualsBruteForceCrossEntropy() {
    const auto batch = test::smallBatch();
    for (auto dtype : {torch::kFloat, torch::kDouble}) {
        auto policy = test::nanoPolicy(7, dtype);
        train::SftObjective sft;
        auto gen = test::cpuGenerator(0);
        const auto terms = sft.compute(*policy, batch, gen);
        double sum = 0.0;
        for (std::int64_t r = 0; r < 3; ++r) {
            sum -= test::bruteForceLogLik(*policy, batch.promptIds, batch.promptMask, batch.targetIds,
                                          batch.targetMask, r).item<double>();
        }
        const double expected = sum / 9.0;  // 4 + 2 + 3 target tokens
        const double tol = dtype == torch::kFloat ? 1e-5 : 1e-12;
        QVERIFY2(std::abs(terms.loss.item<double>() - expected) < tol,
                 (std::to_string(terms.loss.item<double>()) + " vs " + std::to_string(expected)).c_str());
        QCOMPARE(terms.scalar("loss/total"), terms.loss.item<double>());
        QCOMPARE(terms.scalar("loss/sft"), terms.loss.item<double>());
        QCOMPARE(terms.tokens, std::int64_t{3 * 4 + 9});  // prompt columns (padding included) + targets
    }
}

void TestSftObjective::gradientEqualsBruteForce() {
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(7, torch::kDouble);
    train::SftObjective sft;
    auto gen = test::cpuGenerator(0);
    sft.compute(*policy, batch, gen).loss.backward();
    std::vector<at::Tensor> ours;
    for (const auto& p : policy->parameters()) ours.push_back(p.grad().clone());
    policy->zero_grad();
    at::Tensor brute = torch::zeros({}, torch::kDouble);
    for (std::int64_t r = 0; r < 3; ++r) {
        brute = brute - test::bruteForceLogLik(*policy, batch.promptIds, batch.promptMask,
                                               batch.targetIds, batch.targetMask, r);
    }
    (brute / 9.0).backward();
    const auto params = policy->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY2(torch::allclose(ours[i], params[i].grad(), 1e-9, 1e-11), std::to_string(i).c_str());
    }
}

void TestSftObjective::worksWithoutGradients() {
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(7);
    train::SftObjective sft;
    auto gen = test::cpuGenerator(0);
    torch::NoGradGuard noGrad;
    const auto terms = sft.compute(*policy, batch, gen);
    QVERIFY(!terms.loss.requires_grad());
    QVERIFY(std::isfinite(terms.loss.item<double>()));
}

void TestSftObjective::rejectsTargetOutsideVocabulary() {
    auto batch = test::smallBatch();
    batch.targetIds = batch.targetIds.clone();
    batch.targetIds.index_put_({1, 0}, 99);
    auto policy = test::nanoPolicy(7);
    train::SftObjective sft;
    auto gen = test::cpuGenerator(0);
    QVERIFY_THROWS_EXCEPTION(flower::Error, sft.compute(*policy, batch, gen));
}

FLOWER_TEST_MAIN(TestSftObjective, lossEqualsBruteForceCrossEntropy, gradientEqualsBruteForce,
                 worksWithoutGradients, rejectsTargetOutsideVocabulary)

#ifdef FLOWER_TEST_QT
#include "test_sft_objective.moc"
#endif
