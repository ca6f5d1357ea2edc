// modifiedSubTbLoss against the reference's values (../shared/fixtures/subtb-loss-golden.json),
// two hand-computed cases, a plain double loop over (i, j) on random inputs, and bad shapes.
#include "core/train/subtb_loss.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

using flower::train::modifiedSubTbLoss;
using flower::train::modifiedSubTbLossMasked;

namespace {

at::Tensor toTensor(const nlohmann::json& rows, at::ScalarType type) {
    std::vector<at::Tensor> out;
    for (const auto& row : rows) {
        std::vector<double> values = row.get<std::vector<double>>();
        out.push_back(torch::tensor(values, torch::kDouble));
    }
    return torch::stack(out).to(type);
}

// The reference's definition written as a double loop over subtrajectories.
double bruteForce(const at::Tensor& pf, const at::Tensor& r, const at::Tensor& pt,
                  const at::Tensor& gen, std::int64_t term, double lambda) {
    const auto B = pf.size(0), L = pf.size(1);
    auto a = pf.accessor<double, 2>(), b = r.accessor<double, 2>(), c = pt.accessor<double, 2>();
    auto g = gen.accessor<std::int64_t, 2>();
    double num = 0.0, den = 0.0;
    for (std::int64_t row = 0; row < B; ++row) {
        for (std::int64_t i = 0; i < L; ++i) {
            for (std::int64_t j = i + 1; j < L; ++j) {
                bool ended = false;
                for (std::int64_t t = 0; t <= j - 1; ++t) ended = ended || g[row][t] == term;
                if (ended) continue;
                double sum = 0.0;
                for (std::int64_t t = i; t < j; ++t) {
                    sum += b[row][t] + a[row][t] + c[row][t + 1] - b[row][t + 1] - c[row][t];
                }
                const double w = std::pow(lambda, static_cast<double>(j - i - 1));
                num += w * sum * sum;
                den += w;
            }
        }
    }
    return num / den;
}

}  // namespace

class TestSubTbLoss : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reproducesReferenceGolden();
    void handComputedSingleStep();
    void handComputedWithLambda();
    void matchesDoubleLoopOnRandomInputs();
    void ignoresNonFiniteValuesAfterTermination();
    void noSubtrajectoryGivesZero();
    void rejectsBadShapes();
};

void TestSubTbLoss::reproducesReferenceGolden() {
    FLOWER_REQUIRE_SHARED(shared);
    std::ifstream in(shared / "fixtures" / "subtb-loss-golden.json");
    QVERIFY(in.good());
    const auto doc = nlohmann::json::parse(in);
    QCOMPARE(doc.at("cases").size(), std::size_t{4});
    for (const auto& c : doc.at("cases")) {
        const auto promptLen = c.at("prompt_len").get<std::int64_t>();
        const at::Tensor text = toTensor(c.at("generated_text"), torch::kLong);
        const at::Tensor pf = toTensor(c.at("log_pf"), torch::kFloat);
        const at::Tensor pt = toTensor(c.at("log_pterm"), torch::kFloat);
        const at::Tensor r = toTensor(c.at("log_r"), torch::kFloat);
        const at::Tensor gen = text.narrow(1, promptLen, text.size(1) - promptLen);
        const double expected = c.at("loss").get<double>();
        for (auto type : {torch::kFloat, torch::kDouble}) {
            const double got = modifiedSubTbLoss(pf.to(type), r.to(type), pt.to(type), gen,
                                                 c.at("termination_token_id").get<std::int64_t>(),
                                                 c.at("subtb_lambda").get<double>())
                                   .item<double>();
            QVERIFY2(std::abs(got - expected) <= 1e-4 * std::max(1.0, std::abs(expected)),
                     (std::to_string(got) + " vs " + std::to_string(expected)).c_str());
        }
    }
}

void TestSubTbLoss::handComputedSingleStep() {
    // Title of one token, ⊤ at position 1: only (0, 1) counts.
    // δ0 = R0 + pf0 + pt1 − R1 − pt0 = −1 − 0.5 − 0.25 + 2 + 3 = 3.25 → 10.5625.
    const auto pf = torch::tensor({{-0.5, 0.0, 0.0}}, torch::kDouble);
    const auto r = torch::tensor({{-1.0, -2.0, 0.0}}, torch::kDouble);
    const auto pt = torch::tensor({{-3.0, -0.25, 0.0}}, torch::kDouble);
    const auto gen = torch::tensor({{7, 0, 0}}, torch::kLong);
    QVERIFY(std::abs(modifiedSubTbLoss(pf, r, pt, gen, 0).item<double>() - 10.5625) < 1e-12);
}

void TestSubTbLoss::handComputedWithLambda() {
    // Two title tokens, ⊤ at 2: δ0 = 0+1+1−1−0 = 1, δ1 = 1+1+0−2−1 = −1.
    // (0,1): 1, (1,2): 1, (0,2): (δ0+δ1)² = 0 with weight λ = 0.5 → (1 + 1 + 0) / 2.5 = 0.8.
    const auto pf = torch::tensor({{1.0, 1.0, 0.0}}, torch::kDouble);
    const auto r = torch::tensor({{0.0, 1.0, 2.0}}, torch::kDouble);
    const auto pt = torch::tensor({{0.0, 1.0, 0.0}}, torch::kDouble);
    const auto gen = torch::tensor({{4, 5, 9}}, torch::kLong);
    QVERIFY(std::abs(modifiedSubTbLoss(pf, r, pt, gen, 9, 0.5).item<double>() - 0.8) < 1e-12);
    // The same through the explicit mask.
    const auto terminated = torch::tensor({{false, false, true}});
    QVERIFY(std::abs(modifiedSubTbLossMasked(pf, r, pt, terminated, 0.5).item<double>() - 0.8) <
            1e-12);
}

void TestSubTbLoss::matchesDoubleLoopOnRandomInputs() {
    torch::manual_seed(7);
    const std::int64_t term = 3;
    for (int trial = 0; trial < 12; ++trial) {
        const std::int64_t B = 1 + trial % 4, L = 2 + trial % 7;
        const auto pf = torch::randn({B, L}, torch::kDouble);
        const auto r = torch::randn({B, L}, torch::kDouble) * 5;
        const auto pt = torch::randn({B, L}, torch::kDouble);
        // Tokens in 0..4: ⊤ = 3 appears at random places (and sometimes never).
        auto gen = torch::randint(0, 5, {B, L}, torch::kLong);
        gen.index_put_({0, 0}, 1);  // at least one subtrajectory counts
        const double lambda = std::vector<double>{1.0, 0.5, 2.0, 0.0}[trial % 4];
        const double got = modifiedSubTbLoss(pf, r, pt, gen, term, lambda).item<double>();
        const double want = bruteForce(pf, r, pt, gen, term, lambda);
        QVERIFY2(std::abs(got - want) <= 1e-10 * std::max(1.0, std::abs(want)),
                 (std::to_string(got) + " vs " + std::to_string(want)).c_str());
    }
}

void TestSubTbLoss::ignoresNonFiniteValuesAfterTermination() {
    const double inf = std::numeric_limits<double>::infinity();
    auto pf = torch::tensor({{-0.5, inf, -inf}}, torch::kDouble).requires_grad_(true);
    auto r = torch::tensor({{-1.0, -2.0, std::nan("")}}, torch::kDouble).requires_grad_(true);
    auto pt = torch::tensor({{-3.0, -0.25, inf}}, torch::kDouble).requires_grad_(true);
    const auto gen = torch::tensor({{7, 0, 0}}, torch::kLong);
    const auto loss = modifiedSubTbLoss(pf, r, pt, gen, 0);
    QVERIFY(std::abs(loss.item<double>() - 10.5625) < 1e-12);
    loss.backward();
    QVERIFY(torch::isfinite(pf.grad()).all().item<bool>());
    QVERIFY(torch::isfinite(r.grad()).all().item<bool>());
    QVERIFY(torch::isfinite(pt.grad()).all().item<bool>());
    // d/dpf0 of δ0² = 2·δ0 = 6.5.
    QVERIFY(std::abs(pf.grad()[0][0].item<double>() - 6.5) < 1e-12);
}

void TestSubTbLoss::noSubtrajectoryGivesZero() {
    // Both rows emit ⊤ first (a free rollout terminating at the root): nothing counts.
    auto pf = torch::tensor({{-0.5, -1.0}, {-2.0, -0.1}}, torch::kDouble).requires_grad_(true);
    const auto r = torch::full({2, 2}, -15.0, torch::kDouble);
    auto pt = torch::tensor({{-3.0, -0.25}, {-1.0, -1.0}}, torch::kDouble).requires_grad_(true);
    const auto gen = torch::tensor({{0, 0}, {0, 0}}, torch::kLong);
    const auto loss = modifiedSubTbLoss(pf, r, pt, gen, 0);
    QCOMPARE(loss.item<double>(), 0.0);
    loss.backward();
    QVERIFY(pf.grad().eq(0).all().item<bool>());
    QVERIFY(pt.grad().eq(0).all().item<bool>());
}

void TestSubTbLoss::rejectsBadShapes() {
    const auto a = torch::zeros({2, 3}, torch::kDouble);
    const auto gen = torch::zeros({2, 3}, torch::kLong);
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             modifiedSubTbLoss(a, torch::zeros({2, 4}, torch::kDouble), a, gen, 0));
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             modifiedSubTbLoss(a, a, a, torch::zeros({3, 3}, torch::kLong), 0));
    const auto one = torch::zeros({2, 1}, torch::kDouble);
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             modifiedSubTbLoss(one, one, one, torch::zeros({2, 1}, torch::kLong), 0));
    QVERIFY_THROWS_EXCEPTION(flower::Error, modifiedSubTbLoss(torch::zeros({3}), torch::zeros({3}),
                                                              torch::zeros({3}), torch::zeros({3}), 0));
}

FLOWER_TEST_MAIN(TestSubTbLoss, reproducesReferenceGolden, handComputedSingleStep,
                 handComputedWithLambda, matchesDoubleLoopOnRandomInputs,
                 ignoresNonFiniteValuesAfterTermination, noSubtrajectoryGivesZero, rejectsBadShapes)

#ifdef FLOWER_TEST_QT
#include "test_subtb_loss.moc"
#endif
