// Full-ranking HR@K / NDCG@K on hand-made rankings (values computed by hand), the tie rule,
// the top item, and rankScores against a rank found by sorting.
#include "core/sasrec/ranking_metrics.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

using flower::sasrec::RankingMetrics;

namespace {
bool near(double a, double b) { return std::abs(a - b) <= 1e-12; }
}  // namespace

class TestRankingMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ranksWithTies();
    void hitRateAndNdcgByHand();
    void rankScoresMatchesSorting();
};

void TestRankingMetrics::ranksWithTies() {
    const std::vector<float> s = {0.5f, 2.0f, 0.5f, -1.0f, 3.0f};
    QCOMPARE(flower::sasrec::targetRank(s, 4), std::int64_t(0));
    QCOMPARE(flower::sasrec::targetRank(s, 1), std::int64_t(1));
    // Items 0 and 2 tie: the higher id ranks first (a stable ascending argsort, reversed).
    QCOMPARE(flower::sasrec::targetRank(s, 2), std::int64_t(2));
    QCOMPARE(flower::sasrec::targetRank(s, 0), std::int64_t(3));
    QCOMPARE(flower::sasrec::targetRank(s, 3), std::int64_t(4));
    QCOMPARE(flower::sasrec::topItem(s), std::int64_t(4));
    QCOMPARE(flower::sasrec::topItem(std::vector<float>{1.0f, 1.0f, 0.0f}), std::int64_t(1));
}

void TestRankingMetrics::hitRateAndNdcgByHand() {
    RankingMetrics m;
    m.addAll(std::vector<std::int64_t>{0, 2, 5, 25});
    QCOMPARE(m.rows(), std::int64_t(4));
    QVERIFY(near(m.hr(1), 0.25));
    QVERIFY(near(m.hr(3), 0.5));
    QVERIFY(near(m.hr(5), 0.5));  // rank 5 is the sixth item: not in the top 5
    QVERIFY(near(m.hr(10), 0.75));
    QVERIFY(near(m.hr(20), 0.75));
    QVERIFY(near(m.ndcg(1), 0.25));
    QVERIFY(near(m.ndcg(3), (1.0 + 0.5) / 4));  // 1/log2(2) + 1/log2(4)
    QVERIFY(near(m.ndcg(10), (1.0 + 0.5 + 1.0 / std::log2(7.0)) / 4));
    QVERIFY_THROWS_EXCEPTION(flower::Error, m.hr(7));
    QCOMPARE(RankingMetrics().ndcg(5), 0.0);
}

void TestRankingMetrics::rankScoresMatchesSorting() {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(4);
    const at::Tensor scores = torch::empty({50, 300}, torch::kFloat32).normal_(0, 1, g);
    const at::Tensor targets = torch::randint(300, {50}, g, torch::kInt64);
    const auto r = flower::sasrec::rankScores(scores, targets);
    RankingMetrics expected;
    for (std::int64_t i = 0; i < 50; ++i) {
        std::vector<std::int64_t> order(300);
        std::iota(order.begin(), order.end(), 0);
        const auto row = scores[i];
        std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
            return row[a].item<float>() > row[b].item<float>();
        });
        const auto rank = std::find(order.begin(), order.end(), targets[i].item<std::int64_t>()) - order.begin();
        QCOMPARE(r.ranks[static_cast<std::size_t>(i)], static_cast<std::int64_t>(rank));
        QCOMPARE(r.top[static_cast<std::size_t>(i)], order[0]);
        expected.add(rank);
    }
    for (const int k : {1, 3, 5, 10, 20}) {
        QVERIFY(near(r.metrics.hr(k), expected.hr(k)));
        QVERIFY(near(r.metrics.ndcg(k), expected.ndcg(k)));
    }
}

FLOWER_TEST_MAIN(TestRankingMetrics, ranksWithTies, hitRateAndNdcgByHand, rankScoresMatchesSorting)
#ifdef FLOWER_TEST_QT
#include "test_ranking_metrics.moc"
#endif
