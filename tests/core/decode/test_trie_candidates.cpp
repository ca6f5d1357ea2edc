// trieCandidates: the children of each row's node, grouped by row, with columns, child nodes,
// the padded [n, C] layout; errors for a bad node or a token outside the vocabulary.
#include "core/decode/trie_candidates.h"
#include "core/util/error.h"
#include "tests/core/train/train_fixtures.h"
#include "tests/support/flower_test.h"

using namespace flower;

class TestTrieCandidates : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void childrenGroupedByRow();
    void paddedLayout();
    void rejectsBadInput();
};

void TestTrieCandidates::childrenGroupedByRow() {
    const auto trie = test::fiveTitleTrie();  // [1,2] [1,3] [1,3,4] [5] [6,7], ⊤ = 0
    const flow::NodeId n1 = trie.find(std::vector<flow::TokenId>{1});
    const flow::NodeId n13 = trie.find(std::vector<flow::TokenId>{1, 3});
    const std::vector<flow::NodeId> nodes = {flow::TitleTrie::kRoot, n13, n1};
    const auto c = decode::trieCandidates(trie, nodes, test::kVocab);
    QCOMPARE(c.size(), std::int64_t{3 + 2 + 2});
    QCOMPARE(c.rowCount(), std::int64_t{3});
    QCOMPARE(c.width, std::int64_t{3});
    const std::vector<std::int64_t> rows = {0, 0, 0, 1, 1, 2, 2}, tokens = {1, 5, 6, 0, 4, 2, 3}, cols = {0, 1, 2, 0, 1, 0, 1};
    for (std::int64_t k = 0; k < c.size(); ++k) {
        QCOMPARE(c.rows[k].item<std::int64_t>(), rows[static_cast<std::size_t>(k)]);
        QCOMPARE(c.tokens[k].item<std::int64_t>(), tokens[static_cast<std::size_t>(k)]);
        QCOMPARE(c.columns[k].item<std::int64_t>(), cols[static_cast<std::size_t>(k)]);
        QCOMPARE(c.childNodes[static_cast<std::size_t>(k)],
                 trie.child(nodes[static_cast<std::size_t>(rows[static_cast<std::size_t>(k)])],
                            static_cast<flow::TokenId>(tokens[static_cast<std::size_t>(k)])));
    }
    QCOMPARE(c.offsets, (std::vector<std::int64_t>{0, 3, 5, 7}));
}

void TestTrieCandidates::paddedLayout() {
    const auto trie = test::fiveTitleTrie();
    const std::vector<flow::NodeId> nodes = {trie.find(std::vector<flow::TokenId>{1}), flow::TitleTrie::kRoot};
    const auto c = decode::trieCandidates(trie, nodes, test::kVocab);
    const at::Tensor p = c.padded(c.tokens, -1);  // [2, 3]
    QCOMPARE(p.size(0), std::int64_t{2});
    QCOMPARE(p.size(1), std::int64_t{3});
    QVERIFY(torch::equal(p, torch::tensor({{2, 3, -1}, {1, 5, 6}}, torch::kLong)));
}

void TestTrieCandidates::rejectsBadInput() {
    const auto trie = test::fiveTitleTrie();
    const std::vector<flow::NodeId> bad = {999};
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::trieCandidates(trie, bad, test::kVocab));
    const std::vector<flow::NodeId> root = {flow::TitleTrie::kRoot};
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::trieCandidates(trie, root, 6));  // token 6 ≥ 6
}

FLOWER_TEST_MAIN(TestTrieCandidates, childrenGroupedByRow, paddedLayout, rejectsBadInput)

#ifdef FLOWER_TEST_QT
#include "test_trie_candidates.moc"
#endif
