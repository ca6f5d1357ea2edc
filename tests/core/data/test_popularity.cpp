// Item rewards and popularity groups on a tiny case computed by hand.
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

using namespace flower::data;
using Titles = std::vector<std::string>;

namespace {

InteractionRow row(std::vector<ItemId> history, ItemId target) {
    InteractionRow r;
    r.history = std::move(history);
    r.target = target;
    return r;
}

// Ids 0..6 = A B C D E A F (title "A" twice; F never in a history).
//   history      target    title counts: E 4, B 2, A 2 (ids 0 and 5), C 2, D 2 — 12 positions
//   [B, A]     → C         first appearance: B, A, C, D, E
//   [C, A', D] → F         ranked (ties keep first appearance): E, B, A, C, D
//   [E, B]     → A
//   [D, C]     → B
//   [E, E, E]  → D
struct Tiny {
    Catalog catalog{{"A", "B", "C", "D", "E", "A", "F"}};
    InteractionSplit train{"train",
                           {row({1, 0}, 2), row({2, 5, 3}, 6), row({4, 1}, 0), row({3, 2}, 1),
                            row({4, 4, 4}, 3)}};
};

}  // namespace

class TestPopularity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsTitlesInHistories();
    void rewardsByItemId();
    void ranksWithFirstAppearanceTies();
    void cutsNearEqualGroups();
    void historyDistribution();
    void targetDistribution();
    void rejectsBadGroupCounts();
};

void TestPopularity::countsTitlesInHistories() {
    const Tiny t;
    const Popularity pop(t.catalog, t.train);
    QCOMPARE(pop.titles(), (Titles{"B", "A", "C", "D", "E"}));
    QCOMPARE(pop.counts(), (std::vector<std::int64_t>{2, 2, 2, 2, 4}));
    QCOMPARE(pop.reward("E"), std::int64_t{4});
    QCOMPARE(pop.reward("F"), std::int64_t{0});
    QCOMPARE(pop.reward("nope"), std::int64_t{0});
    QCOMPARE(pop.total(), std::int64_t{12});
}

void TestPopularity::rewardsByItemId() {
    const Tiny t;
    const Popularity pop(t.catalog, t.train);
    QCOMPARE(pop.itemRewards(), (std::vector<std::int64_t>{2, 2, 2, 2, 4, 2, 0}));
}

void TestPopularity::ranksWithFirstAppearanceTies() {
    const Tiny t;
    QCOMPARE(Popularity(t.catalog, t.train).rankedTitles(), (Titles{"E", "B", "A", "C", "D"}));
}

void TestPopularity::cutsNearEqualGroups() {
    const Tiny t;
    const Popularity pop(t.catalog, t.train);
    const PopularityGroups two(pop, 2);  // 5 titles: 3 + 2
    QCOMPARE(two.groups(), (std::vector<Titles>{{"E", "B", "A"}, {"C", "D"}}));
    const PopularityGroups three(pop, 3);  // 2 + 2 + 1
    QCOMPARE(three.groups(), (std::vector<Titles>{{"E", "B"}, {"A", "C"}, {"D"}}));
    QCOMPARE(three.sizes(), (std::vector<std::int64_t>{2, 2, 1}));
    QCOMPARE(three.groupOf("D"), 2);
    QCOMPARE(three.groupOf("F"), -1);
    const PopularityGroups five(pop, 5);
    QCOMPARE(five.sizes(), (std::vector<std::int64_t>{1, 1, 1, 1, 1}));
    const PopularityGroups one(pop, 1);
    QCOMPARE(one.groups().front(), (Titles{"E", "B", "A", "C", "D"}));
}

void TestPopularity::historyDistribution() {
    const Tiny t;
    const PopularityGroups two(Popularity(t.catalog, t.train), 2);
    const GroupDistribution d = two.historyDistribution(t.catalog, t.train);
    QCOMPARE(d.counts, (std::vector<std::int64_t>{8, 4}));  // E4 + B2 + A2 | C2 + D2
    QCOMPARE(d.outside, std::int64_t{0});
    QCOMPARE(d.shares, (std::vector<double>{8.0 / 12.0, 4.0 / 12.0}));
}

void TestPopularity::targetDistribution() {
    const Tiny t;
    const PopularityGroups two(Popularity(t.catalog, t.train), 2);
    // Targets C (1), F (none), A (0), B (0), D (1).
    const GroupDistribution d = two.targetDistribution(t.catalog, t.train);
    QCOMPARE(d.counts, (std::vector<std::int64_t>{2, 2}));
    QCOMPARE(d.outside, std::int64_t{1});
    QCOMPARE(d.shares, (std::vector<double>{0.5, 0.5}));
}

void TestPopularity::rejectsBadGroupCounts() {
    const Tiny t;
    const Popularity pop(t.catalog, t.train);
    QVERIFY_THROWS_EXCEPTION(flower::Error, PopularityGroups(pop, 0));
    QVERIFY_THROWS_EXCEPTION(flower::Error, PopularityGroups(pop, 6));
}

FLOWER_TEST_MAIN(TestPopularity, countsTitlesInHistories, rewardsByItemId,
                 ranksWithFirstAppearanceTies, cutsNearEqualGroups, historyDistribution,
                 targetDistribution, rejectsBadGroupCounts)
#ifdef FLOWER_TEST_QT
#include "test_popularity.moc"
#endif
