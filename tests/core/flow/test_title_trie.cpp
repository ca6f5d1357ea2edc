// TitleTrie: layout (preorder, CSR children sorted), queries, "Cars" / "Cars 2", errors.
#include "core/flow/title_trie.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/flower_test.h"

using flower::flow::NodeId;
using flower::flow::TitleItem;
using flower::flow::TitleTrie;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
constexpr TokenId kTerm = 0;

// Titles by tokens: "t1" [5,6], "t2" [5], "t3" [5,7,8], "t4" [9]; "t2" also under item 40.
TitleTrie smallTrie() {
    const std::vector<TitleItem> items = {{10, "t1"}, {20, "t2"}, {30, "t3"}, {40, "t2"}, {50, "t4"}};
    const std::vector<Ids> tokens = {{5, 6}, {5}, {5, 7, 8}, {5}, {9}};
    return TitleTrie::fromTokens(items, tokens, kTerm);
}

template <typename T>
std::vector<T> vec(std::span<const T> s) {
    return {s.begin(), s.end()};
}
}  // namespace

class TestTitleTrie : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void layoutIsPreorderWithSortedChildren();
    void findsNodesAndPrefixes();
    void titlesBelowAndItemIds();
    void depthStatistics();
    void prefixTitlesBothWork();
    void rejectsEmptyTitle();
    void rejectsTitleWithTerminationToken();
};

void TestTitleTrie::layoutIsPreorderWithSortedChildren() {
    const TitleTrie t = smallTrie();
    // Sequences: [5,0] [5,6,0] [5,7,8,0] [9,0] -> nodes: root, 5, 5-0, 5-6, 5-6-0, 5-7, 5-7-8,
    // 5-7-8-0, 9, 9-0 = 10 nodes in preorder.
    QCOMPARE(t.nodeCount(), std::size_t{10});
    QCOMPARE(t.titleCount(), std::size_t{4});
    QCOMPARE(vec(t.childTokens(TitleTrie::kRoot)), (Ids{5, 9}));
    QCOMPARE(vec(t.childNodes(TitleTrie::kRoot)), (std::vector<NodeId>{1, 8}));
    QCOMPARE(vec(t.childTokens(1)), (Ids{kTerm, 6, 7}));
    QCOMPARE(vec(t.childNodes(1)), (std::vector<NodeId>{2, 3, 5}));
    QCOMPARE(t.subtreeEnd(1), NodeId{8});
    QCOMPARE(t.subtreeEnd(TitleTrie::kRoot), NodeId{10});
    for (NodeId v = 1; v < static_cast<NodeId>(t.nodeCount()); ++v) {
        QVERIFY(t.parent(v) < v);
        QCOMPARE(t.depth(v), t.depth(t.parent(v)) + 1);
    }
}

void TestTitleTrie::findsNodesAndPrefixes() {
    const TitleTrie t = smallTrie();
    QCOMPARE(t.find(Ids{}), TitleTrie::kRoot);
    QCOMPARE(t.find(Ids{5, 7}), NodeId{5});
    QCOMPARE(t.find(Ids{5, 8}), TitleTrie::kNoNode);
    QCOMPARE(t.child(1, 7), NodeId{5});
    QCOMPARE(t.child(1, 8), TitleTrie::kNoNode);
    QCOMPARE(t.prefix(7), (Ids{5, 7, 8, kTerm}));
    QVERIFY(t.isTerminal(7));
    QVERIFY(!t.isTerminal(6));
    QVERIFY(!t.isTerminal(TitleTrie::kRoot));
    QCOMPARE(t.incomingToken(6), TokenId{8});
}

void TestTitleTrie::titlesBelowAndItemIds() {
    const TitleTrie t = smallTrie();
    // Below node "5": t2 ([5,0]), t1 ([5,6,0]), t3 ([5,7,8,0]) in token order.
    using TI = flower::flow::TitleIndex;
    QCOMPARE(vec(t.titlesBelow(1)), (std::vector<TI>{1, 0, 2}));
    QCOMPARE(vec(t.titlesBelow(TitleTrie::kRoot)), (std::vector<TI>{1, 0, 2, 3}));
    QCOMPARE(vec(t.titlesBelow(5)), (std::vector<TI>{2}));
    QCOMPARE(t.title(1), std::string("t2"));
    QCOMPARE(vec(t.itemIds(1)), (std::vector<std::int64_t>{20, 40}));
    QCOMPARE(t.terminalOf(1), NodeId{2});
    QCOMPARE(*t.findTitle("t4"), TI{3});
    QVERIFY(!t.findTitle("nope").has_value());
    QCOMPARE(vec(t.titleTokens(2)), (Ids{5, 7, 8}));
}

void TestTitleTrie::depthStatistics() {
    const auto s = smallTrie().depthStats();
    QCOMPARE(s.maxTitleTokens, 3);
    QCOMPARE(s.meanTitleTokens, (2.0 + 1 + 3 + 1) / 4);
    // Depth 1: 5, 9; depth 2: 5-0, 5-6, 5-7, 9-0; depth 3: 5-6-0, 5-7-8; depth 4: 5-7-8-0.
    QCOMPARE(s.nodesAtDepth, (std::vector<std::int64_t>{1, 2, 4, 2, 1}));
    // Non-leaf nodes: root(2), 5(3), 5-6(1), 5-7(1), 5-7-8(1), 9(1): 9 edges / 6.
    QCOMPARE(s.meanBranching, 9.0 / 6.0);
    QCOMPARE(s.maxBranching, 3);
}

void TestTitleTrie::prefixTitlesBothWork() {
    const auto tok = flower::text::Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny");
    const TokenId newline = tok.encode("\n").at(0);
    const std::vector<TitleItem> items = {{1, "ab"}, {2, "ab c"}};
    const TitleTrie t = TitleTrie::build(tok, items, newline);
    const NodeId cars = t.find(tok.encode("ab"));
    QVERIFY(cars != TitleTrie::kNoNode);
    // "ab" then either the termination or " c".
    QCOMPARE(t.childTokens(cars).size(), std::size_t{2});
    QCOMPARE(t.childTokens(cars)[0], newline);
    QCOMPARE(t.terminalOf(0), t.child(cars, newline));
    Ids cars2 = tok.encode("ab c");
    cars2.push_back(newline);
    QCOMPARE(t.terminalOf(1), t.find(cars2));
    QCOMPARE(t.titlesBelow(cars).size(), std::size_t{2});
    QCOMPARE(t.prefixText(t.terminalOf(1), tok), std::string("ab c\n"));
}

void TestTitleTrie::rejectsEmptyTitle() {
    const std::vector<TitleItem> items = {{1, "a"}, {7, ""}};
    const std::vector<Ids> tokens = {{3}, {}};
    try {
        TitleTrie::fromTokens(items, tokens, kTerm);
        QFAIL("no error for an empty title");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("item 7 has an empty title") != std::string::npos, e.what());
    }
}

void TestTitleTrie::rejectsTitleWithTerminationToken() {
    const std::vector<TitleItem> items = {{1, "a\nb"}};
    const std::vector<Ids> tokens = {{3, kTerm, 4}};
    QVERIFY_THROWS_EXCEPTION(flower::Error, TitleTrie::fromTokens(items, tokens, kTerm));
}

FLOWER_TEST_MAIN(TestTitleTrie, layoutIsPreorderWithSortedChildren, findsNodesAndPrefixes,
                 titlesBelowAndItemIds, depthStatistics, prefixTitlesBothWork, rejectsEmptyTitle,
                 rejectsTitleWithTerminationToken)
#ifdef FLOWER_TEST_QT
#include "test_title_trie.moc"
#endif
