// RewardVariant: the three variants on hand-computed values with a fake preference model.
#include "core/flow/reward_variant.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <cmath>

using flower::flow::PreferenceModel;
using flower::flow::RewardVariant;

namespace {
// Scores whose softmax is p = (0.5, 0.25, 0.125, 0.125) for every row.
class FakePreference : public PreferenceModel {
public:
    std::vector<double> scores(std::int64_t) const override {
        return {std::log(4.0), std::log(2.0), 0.0, 0.0};
    }
};

bool near(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }
}  // namespace

class TestRewardVariant : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesRoundTrip();
    void flowLeavesRewards();
    void divPref();
    void plusLogPref();
    void rejectsUnknownNameAndFlatScores();
};

void TestRewardVariant::namesRoundTrip() {
    for (const auto& name : RewardVariant::names()) {
        QCOMPARE(RewardVariant::fromName(name).name(), name);
    }
    QVERIFY(!RewardVariant::fromName("flow").needsPreference());
    QVERIFY(RewardVariant::fromName("flow_div_pref").needsPreference());
}

void TestRewardVariant::flowLeavesRewards() {
    std::vector<double> r = {-1.5, -0.25, 0.0};
    RewardVariant::fromName("flow").apply(r, FakePreference(), 0, 1);
    QCOMPARE(r, (std::vector<double>{-1.5, -0.25, 0.0}));
}

void TestRewardVariant::divPref() {
    // p = (.5, .25, .125, .125): mean .25, range .375. Item 0: s = (.5-.25)/.375 + 1 = 5/3.
    const auto v = RewardVariant::fromName("flow_div_pref");
    const FakePreference pref;
    QVERIFY(near(v.preferenceFactor(pref.scores(0), 0), 5.0 / 3.0));
    // Item 2: s = (.125-.25)/.375 + 1 = 2/3.
    QVERIFY(near(v.preferenceFactor(pref.scores(0), 2), 2.0 / 3.0));
    std::vector<double> r = {-1.0, -0.5, 0.0};
    v.apply(r, pref, 7, 0);
    QVERIFY(near(r[0], -1.0 / (5.0 / 3.0 + 1e-20)));
    QVERIFY(near(r[1], -0.5 * 0.6));
    QCOMPARE(r[2], 0.0);
}

void TestRewardVariant::plusLogPref() {
    // s' = (p - min) / (max - min): item 1 -> (.25-.125)/.375 = 1/3.
    const auto v = RewardVariant::fromName("flow_plus_log_pref", 0.5);
    const FakePreference pref;
    QVERIFY(near(v.preferenceFactor(pref.scores(0), 1), 1.0 / 3.0));
    std::vector<double> r = {-1.0, -2.0};
    v.apply(r, pref, 0, 1);
    QVERIFY(near(r[0], -1.0 + 0.5 * std::log(1.0 / 3.0)));
    QVERIFY(near(r[1], -2.0 + 0.5 * std::log(1.0 / 3.0)));
    // The least preferred item gets s' = 0: log(1e-20) keeps it finite.
    std::vector<double> low = {0.0};
    v.apply(low, pref, 0, 3);
    QVERIFY(near(low[0], 0.5 * std::log(1e-20)));
}

void TestRewardVariant::rejectsUnknownNameAndFlatScores() {
    try {
        RewardVariant::fromName("flow_times_pref");
        QFAIL("no error");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("flow_div_pref") != std::string::npos, e.what());
    }
    const auto v = RewardVariant::fromName("flow_div_pref");
    QVERIFY_THROWS_EXCEPTION(flower::Error, v.preferenceFactor(std::vector<double>{1, 1, 1}, 0));
    QVERIFY_THROWS_EXCEPTION(flower::Error, v.preferenceFactor(std::vector<double>{1, 2}, 5));
}

FLOWER_TEST_MAIN(TestRewardVariant, namesRoundTrip, flowLeavesRewards, divPref, plusLogPref,
                 rejectsUnknownNameAndFlatScores)
#ifdef FLOWER_TEST_QT
#include "test_reward_variant.moc"
#endif
