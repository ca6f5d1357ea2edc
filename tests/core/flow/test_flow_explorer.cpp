// FlowExplorer on a five-title catalogue whose flows are worked out by hand (header comment of
// each test) and by brute force (sums of rewards over the titles below each state): children,
// target probabilities, log rewards, "⊤", decoded text, parents and paths at granularity 1 and
// 2, and the title search.
#include "core/flow/flow_explorer.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>

using flower::flow::FlowExplorer;
using flower::flow::FlowTable;
using flower::flow::NodeId;
using flower::flow::TitleIndex;
using flower::flow::TitleItem;
using flower::flow::TitleTrie;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;
using State = FlowExplorer::State;

namespace {
constexpr TokenId kTerm = 0;
// Token 1 "The", 2 " Cat", 3 " Hat", 4 " Dog", 5 "Zoo", 6 " 2".
const std::map<TokenId, std::string> kText = {{0, "\n"},   {1, "The"}, {2, " Cat"}, {3, " Hat"},
                                              {4, " Dog"}, {5, "Zoo"}, {6, " 2"}};
const std::vector<std::string> kTitles = {"The Cat", "The Cat Hat", "The Dog", "Zoo", "Zoo 2"};
const std::vector<Ids> kTokens = {{1, 2}, {1, 2, 3}, {1, 4}, {5}, {5, 6}};
const std::vector<double> kRewards = {3, 1, 4, 2, 0};  // total 10

std::string decode(std::span<const TokenId> ids) {
    std::string s;
    for (const TokenId id : ids) s += kText.at(id);
    return s;
}

FlowExplorer explorer(int granularity = 1, double smoothing = 0.0) {
    std::vector<TitleItem> items;
    for (std::size_t i = 0; i < kTitles.size(); ++i) items.push_back({static_cast<std::int64_t>(i), kTitles[i]});
    auto trie = std::make_shared<const TitleTrie>(TitleTrie::fromTokens(items, kTokens, kTerm));
    auto flows = std::make_shared<const FlowTable>(*trie, kRewards, smoothing);
    return FlowExplorer(trie, flows, granularity, decode);
}

bool near(double a, double b) {
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b));
}

// Σ (R + α) over the titles whose tokens + termination start with `prefix` (for an `ended`
// state: the title that is exactly `prefix`).
double bruteFlow(const Ids& prefix, bool ended, double smoothing) {
    double s = 0;
    for (std::size_t k = 0; k < kTokens.size(); ++k) {
        Ids seq = kTokens[k];
        if (ended && seq != prefix) continue;
        seq.push_back(kTerm);
        if (prefix.size() <= seq.size() && std::equal(prefix.begin(), prefix.end(), seq.begin())) {
            s += kRewards[k] + smoothing;
        }
    }
    return s;
}

const FlowExplorer::Child& childWithText(const std::vector<FlowExplorer::Child>& cs, const std::string& text) {
    for (const auto& c : cs) {
        if (c.text == text) return c;
    }
    throw flower::Error("no child " + text);
}
}  // namespace

class TestFlowExplorer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rootAndFirstLevelByHand();
    void terminationShownAsTop();
    void zeroFlowChildIsMinusInfinity();
    void everyStateEqualsBruteForce();
    void smoothingByHand();
    void granularityTwoByHand();
    void parentsAndPathsInvertChildren();
    void searchIsCaseInsensitiveSubstring();
    void refusesMismatchedFlows();
};

// Root: "The" F = 3+1+4 = 8, p = 0.8; "Zoo" F = 2, p = 0.2; largest first.
void TestFlowExplorer::rootAndFirstLevelByHand() {
    const FlowExplorer e = explorer();
    const auto root = e.node(e.root());
    QCOMPARE(root.flow, 10.0);
    QCOMPARE(root.titles, std::size_t{5});
    QVERIFY(root.text.empty());
    const auto cs = e.children(e.root());
    QCOMPARE(cs.size(), std::size_t{2});
    QCOMPARE(cs[0].text, std::string("The"));
    QCOMPARE(cs[0].flow, 8.0);
    QCOMPARE(cs[0].probability, 0.8);
    QVERIFY(near(cs[0].logReward, std::log(0.8)));
    QCOMPARE(cs[1].text, std::string("Zoo"));
    QCOMPARE(cs[1].probability, 0.2);
    // "The": " Cat" and " Dog" both F = 4, p = 0.5: a tie keeps token order (Cat = 2 < Dog = 4).
    const auto the = e.children(cs[0].state);
    QCOMPARE(the.size(), std::size_t{2});
    QCOMPARE(the[0].text, std::string(" Cat"));
    QCOMPARE(the[1].text, std::string(" Dog"));
    QCOMPARE(the[0].probability, 0.5);
    QCOMPARE(the[1].probability, 0.5);
    QCOMPARE(the[0].tokens, (Ids{2}));
    QCOMPARE(the[0].titles, std::size_t{2});
    QCOMPARE(the[1].titles, std::size_t{1});
    const auto cat = e.node(the[0].state);
    QCOMPARE(cat.text, std::string("The Cat"));
    QCOMPARE(cat.tokens, (Ids{1, 2}));
    QCOMPARE(cat.depth, 2);
    QCOMPARE(cat.titles, std::size_t{2});
}

// "The Cat": ⊤ F = 3 (p = 0.75) before " Hat" F = 1 (p = 0.25); the terminal node is "The Cat ⊤".
void TestFlowExplorer::terminationShownAsTop() {
    const FlowExplorer e = explorer();
    const auto cs = e.children(State{e.trie().find(Ids{1, 2}), false});
    QCOMPARE(cs.size(), std::size_t{2});
    QCOMPARE(cs[0].text, std::string("⊤"));
    QVERIFY(cs[0].terminates);
    QCOMPARE(cs[0].tokens, (Ids{kTerm}));
    QCOMPARE(cs[0].probability, 0.75);
    QCOMPARE(cs[1].text, std::string(" Hat"));
    QCOMPARE(cs[1].probability, 0.25);
    const auto end = e.node(cs[0].state);
    QVERIFY(end.terminal);
    QCOMPARE(end.text, std::string("The Cat ⊤"));
    QCOMPARE(end.tokens, (Ids{1, 2, kTerm}));
    QCOMPARE(end.titles, std::size_t{1});
    QVERIFY(!e.hasChildren(cs[0].state));
    QVERIFY(e.children(cs[0].state).empty());
    QCOMPARE(e.chunkText(Ids{kTerm}), std::string("⊤"));
}

// "Zoo 2" has reward 0: its edge is kept with p = 0 and log reward −∞, after ⊤ (F = 2, p = 1).
void TestFlowExplorer::zeroFlowChildIsMinusInfinity() {
    const FlowExplorer e = explorer();
    const auto cs = e.children(State{e.trie().find(Ids{5}), false});
    QCOMPARE(cs.size(), std::size_t{2});
    QCOMPARE(cs[0].text, std::string("⊤"));
    QCOMPARE(cs[0].probability, 1.0);
    QCOMPARE(cs[0].logReward, 0.0);
    QCOMPARE(cs[1].text, std::string(" 2"));
    QCOMPARE(cs[1].probability, 0.0);
    QCOMPARE(cs[1].logReward, -std::numeric_limits<double>::infinity());
}

// Walks every state from the root: F(state) is the brute-force sum, children's probabilities
// are F(child)/F(state) and sum to 1, log rewards are their logs, the child's text is the
// decoded tail of its prefix, at n = 1 and n = 2 with and without smoothing.
void TestFlowExplorer::everyStateEqualsBruteForce() {
    for (const int n : {1, 2, 3}) {
        for (const double alpha : {0.0, 0.5}) {
            const FlowExplorer e = explorer(n, alpha);
            std::deque<State> todo{e.root()};
            std::size_t visited = 0;
            while (!todo.empty()) {
                const State s = todo.front();
                todo.pop_front();
                ++visited;
                const auto node = e.node(s);
                Ids prefix = node.tokens;
                QVERIFY(near(node.flow, bruteFlow(prefix, s.ended, alpha)));
                double sum = 0;
                for (const auto& c : e.children(s)) {
                    Ids next = prefix;
                    next.insert(next.end(), c.tokens.begin(), c.tokens.end());
                    const double f = bruteFlow(next, c.state.ended, alpha);
                    QVERIFY(near(c.flow, f));
                    // Below a zero-flow state ("Zoo 2" without smoothing) p is 0, log r −∞.
                    QVERIFY(near(c.probability, node.flow > 0 ? f / node.flow : 0.0));
                    QVERIFY(near(c.logReward, f > 0 ? std::log(f / node.flow)
                                                    : -std::numeric_limits<double>::infinity()));
                    QCOMPARE(c.text, c.terminates ? std::string("⊤") : decode(c.tokens));
                    QCOMPARE(e.parent(c.state).value(), s);
                    sum += c.probability;
                    todo.push_back(c.state);
                }
                if (e.hasChildren(s) && node.flow > 0) QVERIFY(near(sum, 1.0));
            }
            // n = 1: every trie node once (5 titles: root, The, Cat, Cat⊤, Hat, Hat⊤, Dog, Dog⊤,
            // Zoo, Zoo⊤, 2, 2⊤ = 12 nodes).
            if (n == 1) QCOMPARE(visited, std::size_t{12});
        }
    }
}

// α = 1: rewards 4, 2, 5, 3, 1 (total 15); "The" = 4 + 2 + 5 = 11, p = 11/15.
void TestFlowExplorer::smoothingByHand() {
    const FlowExplorer e = explorer(1, 1.0);
    QCOMPARE(e.node(e.root()).flow, 15.0);
    const auto cs = e.children(e.root());
    QCOMPARE(cs[0].text, std::string("The"));
    QCOMPARE(cs[0].probability, 11.0 / 15.0);
    QCOMPARE(childWithText(e.children(cs[1].state), " 2").probability, 1.0 / 4.0);
}

// n = 2 from the root: "The Cat" 4, "The Dog" 4, "Zoo" ending inside its chunk 2, "Zoo 2" 0.
// From "The Cat" (a chunk boundary): ⊤ 3, then " Hat" ending mid-chunk 1, whose only step is ⊤.
void TestFlowExplorer::granularityTwoByHand() {
    const FlowExplorer e = explorer(2);
    const auto cs = e.children(e.root());
    QCOMPARE(cs.size(), std::size_t{4});
    QCOMPARE(cs[0].text, std::string("The Cat"));
    QCOMPARE(cs[0].tokens, (Ids{1, 2}));
    QCOMPARE(cs[0].probability, 0.4);
    QCOMPARE(cs[1].text, std::string("The Dog"));
    QCOMPARE(cs[2].text, std::string("Zoo"));
    QVERIFY(cs[2].state.ended);
    QCOMPARE(cs[2].probability, 0.2);
    QCOMPARE(cs[3].text, std::string("Zoo 2"));
    QCOMPARE(cs[3].probability, 0.0);
    const auto cat = e.children(cs[0].state);
    QCOMPARE(cat.size(), std::size_t{2});
    QCOMPARE(cat[0].text, std::string("⊤"));
    QCOMPARE(cat[0].probability, 0.75);
    QCOMPARE(cat[1].text, std::string(" Hat"));
    QVERIFY(cat[1].state.ended);
    const auto hat = e.children(cat[1].state);
    QCOMPARE(hat.size(), std::size_t{1});
    QVERIFY(hat[0].terminates);
    QCOMPARE(hat[0].probability, 1.0);
    QCOMPARE(e.node(hat[0].state).text, std::string("The Cat Hat ⊤"));
}

// path(titleState(t)) walks root → … → the title's end through children(), at n = 1 and 2.
void TestFlowExplorer::parentsAndPathsInvertChildren() {
    for (const int n : {1, 2}) {
        const FlowExplorer e = explorer(n);
        QVERIFY(!e.parent(e.root()).has_value());
        for (TitleIndex t = 0; t < static_cast<TitleIndex>(kTitles.size()); ++t) {
            const auto path = e.path(e.titleState(t));
            QCOMPARE(path.front(), e.root());
            QVERIFY(e.node(path.back()).terminal);
            QCOMPARE(e.node(path.back()).text, kTitles[static_cast<std::size_t>(t)] + " ⊤");
            for (std::size_t i = 1; i < path.size(); ++i) {
                const auto states = e.childStates(path[i - 1]);
                QVERIFY(std::find(states.begin(), states.end(), path[i]) != states.end());
            }
            // n = 1: one state per token plus the root and ⊤.
            if (n == 1) QCOMPARE(path.size(), kTokens[static_cast<std::size_t>(t)].size() + 2);
        }
        QCOMPARE(FlowExplorer::fromKey(FlowExplorer::key(State{7, true})), (State{7, true}));
    }
}

// "the": the three titles starting so, by reward (Dog 4, Cat 3, Cat Hat 1); "CAT": substring in
// two; "ZOO": Zoo (2) before Zoo 2 (0); "o 2": Zoo 2 only; "" and "xyz": none; a limit cuts.
void TestFlowExplorer::searchIsCaseInsensitiveSubstring() {
    const FlowExplorer e = explorer();
    QCOMPARE(e.search("the"), (std::vector<TitleIndex>{2, 0, 1}));
    QCOMPARE(e.search("CAT"), (std::vector<TitleIndex>{0, 1}));
    QCOMPARE(e.search("ZOO"), (std::vector<TitleIndex>{3, 4}));
    QCOMPARE(e.search("o 2"), (std::vector<TitleIndex>{4}));
    QCOMPARE(e.search("at h"), (std::vector<TitleIndex>{1}));
    QVERIFY(e.search("").empty());
    QVERIFY(e.search("xyz").empty());
    QCOMPARE(e.search("t", 2).size(), std::size_t{2});
}

void TestFlowExplorer::refusesMismatchedFlows() {
    std::vector<TitleItem> items;
    for (std::size_t i = 0; i < kTitles.size(); ++i) items.push_back({static_cast<std::int64_t>(i), kTitles[i]});
    auto a = std::make_shared<const TitleTrie>(TitleTrie::fromTokens(items, kTokens, kTerm));
    auto b = std::make_shared<const TitleTrie>(TitleTrie::fromTokens(items, kTokens, kTerm));
    auto flows = std::make_shared<const FlowTable>(*a, kRewards);
    QVERIFY_THROWS_EXCEPTION(flower::Error, FlowExplorer(b, flows, 1, decode));
    QVERIFY_THROWS_EXCEPTION(flower::Error, FlowExplorer(a, flows, 0, decode));
}

FLOWER_TEST_MAIN(TestFlowExplorer, rootAndFirstLevelByHand, terminationShownAsTop,
                 zeroFlowChildIsMinusInfinity, everyStateEqualsBruteForce, smoothingByHand,
                 granularityTwoByHand, parentsAndPathsInvertChildren,
                 searchIsCaseInsensitiveSubstring, refusesMismatchedFlows)
#ifdef FLOWER_TEST_QT
#include "test_flow_explorer.moc"
#endif
