// FlowTable and CoarseFlows against brute force on a tiny tree: flows as sums over titles,
// children's probabilities summing to one, path products equal to R/ΣR, granularity n giving
// the same title distribution as n = 1, zero-flow edges explicit.
#include "core/flow/coarse_flows.h"
#include "core/flow/flow_table.h"
#include "core/flow/title_trie.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <cmath>
#include <limits>
#include <map>

using flower::flow::CoarseFlows;
using flower::flow::FlowTable;
using flower::flow::NodeId;
using flower::flow::TitleIndex;
using flower::flow::TitleItem;
using flower::flow::TitleTrie;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
constexpr TokenId kTerm = 0;

// Eight titles with shared prefixes, a title that is a prefix of others ([1,2] / [1,2,3]), a
// zero reward, and a title repeated under two item ids.
const std::vector<Ids> kTokens = {{1, 2, 3}, {1, 2}, {1, 4, 5, 6}, {7}, {1, 2, 3, 8, 9},
                                  {7, 1},    {1, 4}, {3, 3, 3, 3, 3}, {1, 2}};
const std::vector<double> kRewards = {3, 1, 2, 5, 4, 0, 6, 2};  // per unique title

TitleTrie tree() {
    std::vector<TitleItem> items;
    for (std::size_t i = 0; i < kTokens.size(); ++i) {
        // The last entry repeats title 1 under another id.
        items.push_back({static_cast<std::int64_t>(100 + i), i == 8 ? "title1" : "title" + std::to_string(i)});
    }
    return TitleTrie::fromTokens(items, kTokens, kTerm);
}

double total() {
    double s = 0;
    for (const double r : kRewards) s += r;
    return s;
}

bool startsWith(const Ids& seq, const Ids& prefix) {
    return prefix.size() <= seq.size() && std::equal(prefix.begin(), prefix.end(), seq.begin());
}

bool near(double a, double b, double tol = 1e-12) {
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::abs(a - b) <= tol * std::max(1.0, std::abs(b));
}
}  // namespace

class TestFlowTable : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void flowsAreSumsBelow();
    void childrenProbabilitiesSumToOne();
    void pathProductIsTitleShare();
    void zeroFlowEdgesAreMinusInfinity();
    void smoothingReachesUnseenTitles();
    void granularityKeepsTitleDistribution();
    void coarseStepsSumToOne();
    void coarseChunksByHand();
    void rejectsBadRewards();
};

void TestFlowTable::flowsAreSumsBelow() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    for (NodeId v = 0; v < static_cast<NodeId>(t.nodeCount()); ++v) {
        const Ids prefix = t.prefix(v);
        double brute = 0;
        for (std::size_t k = 0; k < kRewards.size(); ++k) {
            Ids seq = kTokens[k];
            seq.push_back(kTerm);
            if (startsWith(seq, prefix)) brute += kRewards[k];
        }
        QCOMPARE(f.flow(v), brute);
    }
    QCOMPARE(f.flow(TitleTrie::kRoot), total());
}

void TestFlowTable::childrenProbabilitiesSumToOne() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    int checked = 0;
    for (NodeId v = 0; v < static_cast<NodeId>(t.nodeCount()); ++v) {
        const auto children = f.children(v);
        if (children.empty() || f.flow(v) == 0) continue;
        double sum = 0;
        for (const auto& c : children) {
            sum += std::exp(c.logReward);
            QVERIFY(near(c.probability, std::exp(c.logReward)));
            QCOMPARE(c.node, t.child(v, c.token));
        }
        QVERIFY2(near(sum, 1.0), std::to_string(sum).c_str());
        ++checked;
    }
    QVERIFY(checked > 5);
}

void TestFlowTable::pathProductIsTitleShare() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    for (TitleIndex k = 0; k < static_cast<TitleIndex>(t.titleCount()); ++k) {
        double logSum = 0;
        for (NodeId v = t.terminalOf(k); v != TitleTrie::kRoot; v = t.parent(v)) {
            logSum += f.logProcessReward(v);
        }
        const double expected = kRewards[k] / total();
        QVERIFY2(near(std::exp(logSum), expected), (t.title(k) + ": " + std::to_string(std::exp(logSum))).c_str());
        QVERIFY(near(f.titleLogProbability(k), std::log(expected)));
        // The same through pathLogRewards on the title's tokens + termination.
        Ids path = kTokens[k];
        path.push_back(kTerm);
        const auto steps = f.pathLogRewards(path);
        QCOMPARE(steps.size(), path.size());
        double sum = 0;
        for (const double s : steps) sum += s;
        QVERIFY(near(std::exp(sum), expected));
    }
    // Leaving the tree: [1, 9] has no node; the first step keeps its reward, the rest are −∞.
    const auto off = f.pathLogRewards(Ids{1, 9, 0});
    QVERIFY(near(off[0], std::log(16.0 / total())));
    QCOMPARE(off[1], -std::numeric_limits<double>::infinity());
    QCOMPARE(off[2], -std::numeric_limits<double>::infinity());
}

void TestFlowTable::zeroFlowEdgesAreMinusInfinity() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    // Title 5 = [7, 1] has reward 0: its edges are present, with −∞.
    const NodeId n71 = t.find(Ids{7, 1});
    QVERIFY(n71 != TitleTrie::kNoNode);
    QCOMPARE(f.flow(n71), 0.0);
    QCOMPARE(f.logProcessReward(n71), -std::numeric_limits<double>::infinity());
    QCOMPARE(f.targetProbability(n71), 0.0);
    // Below a zero-flow node everything is −∞ as well (0/0 is not a probability).
    QCOMPARE(f.logProcessReward(t.child(n71, kTerm)), -std::numeric_limits<double>::infinity());
    QCOMPARE(f.children(t.find(Ids{7})).size(), std::size_t{2});
}

void TestFlowTable::smoothingReachesUnseenTitles() {
    const TitleTrie t = tree();
    const double alpha = 0.5;
    const FlowTable f(t, kRewards, alpha);
    const double sum = total() + alpha * static_cast<double>(kRewards.size());
    QVERIFY(near(f.flow(TitleTrie::kRoot), sum));
    QVERIFY(near(std::exp(f.titleLogProbability(5)), alpha / sum));
    QVERIFY(std::isfinite(f.logProcessReward(t.find(Ids{7, 1}))));
}

void TestFlowTable::granularityKeepsTitleDistribution() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    for (int n = 1; n <= 4; ++n) {
        const CoarseFlows coarse(f, n);
        // Enumerate every coarse path; collect the probability of reaching each terminal.
        std::map<NodeId, double> reached;
        const auto walk = [&](auto&& self, CoarseFlows::State s, double logP) -> void {
            for (const auto& step : coarse.steps(s)) {
                if (step.terminates) {
                    reached[step.to.node] += std::exp(logP + step.logReward);
                } else {
                    self(self, step.to, logP + step.logReward);
                }
            }
        };
        walk(walk, coarse.root(), 0.0);
        for (TitleIndex k = 0; k < static_cast<TitleIndex>(t.titleCount()); ++k) {
            const double expected = kRewards[k] / total();
            QVERIFY2(near(reached[t.terminalOf(k)], expected),
                     ("n=" + std::to_string(n) + " " + t.title(k)).c_str());
        }
    }
}

void TestFlowTable::coarseStepsSumToOne() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    const CoarseFlows coarse(f, 2);
    int states = 0;
    const auto walk = [&](auto&& self, CoarseFlows::State s) -> void {
        const auto steps = coarse.steps(s);
        if (steps.empty() || coarse.flow(s) == 0) return;
        double sum = 0;
        for (const auto& step : steps) {
            sum += std::exp(step.logReward);
            if (!step.terminates) self(self, step.to);
        }
        QVERIFY(near(sum, 1.0));
        ++states;
    };
    walk(walk, coarse.root());
    QVERIFY(states > 4);
}

void TestFlowTable::coarseChunksByHand() {
    const TitleTrie t = tree();
    const FlowTable f(t, kRewards);
    const CoarseFlows coarse(f, 2);
    // From the root with n = 2: chunks [1,2] (titles 0,1,4: 8), [1,4] (titles 2,6: 8),
    // [3,3] (2), the title [7] ending mid-chunk (5), and [7,1] (0). Total 23.
    std::map<Ids, double> flows;
    for (const auto& s : coarse.steps(coarse.root())) flows[s.tokens] += s.flow;
    QCOMPARE(flows.size(), std::size_t{5});
    QCOMPARE(flows[(Ids{1, 2})], 8.0);
    QCOMPARE(flows[(Ids{1, 4})], 8.0);
    QCOMPARE(flows[(Ids{3, 3})], 2.0);
    QCOMPARE(flows[(Ids{7})], 5.0);
    QCOMPARE(flows[(Ids{7, 1})], 0.0);
    // After [1,2]: termination (title 1: 1), then [3] ending mid-chunk (3), [3,8] (4).
    const CoarseFlows::State s12{t.find(Ids{1, 2}), false};
    std::map<Ids, double> next;
    for (const auto& s : coarse.steps(s12)) next[s.tokens] += s.flow;
    QCOMPARE(next[(Ids{kTerm})], 1.0);
    QCOMPARE(next[(Ids{3})], 3.0);
    QCOMPARE(next[(Ids{3, 8})], 4.0);
    QCOMPARE(next.size(), std::size_t{3});
}

void TestFlowTable::rejectsBadRewards() {
    const TitleTrie t = tree();
    std::vector<double> bad = kRewards;
    bad[2] = -1;
    QVERIFY_THROWS_EXCEPTION(flower::Error, FlowTable(t, bad));
    bad[2] = std::numeric_limits<double>::quiet_NaN();
    QVERIFY_THROWS_EXCEPTION(flower::Error, FlowTable(t, bad));
    QVERIFY_THROWS_EXCEPTION(flower::Error, FlowTable(t, std::vector<double>{1, 2}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, FlowTable(t, kRewards, -0.1));
    const FlowTable f(t, kRewards);
    QVERIFY_THROWS_EXCEPTION(flower::Error, CoarseFlows(f, 0));
}

FLOWER_TEST_MAIN(TestFlowTable, flowsAreSumsBelow, childrenProbabilitiesSumToOne,
                 pathProductIsTitleShare, zeroFlowEdgesAreMinusInfinity,
                 smoothingReachesUnseenTitles, granularityKeepsTitleDistribution,
                 coarseStepsSumToOne, coarseChunksByHand, rejectsBadRewards)
#ifdef FLOWER_TEST_QT
#include "test_flow_table.moc"
#endif
