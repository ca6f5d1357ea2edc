// Allowed-token masks and indices for a batch of trie nodes, checked against childTokens.
#include "core/flow/allowed_tokens.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

using namespace flower::flow;
using Ids = std::vector<flower::text::TokenId>;

namespace {
TitleTrie trie() {
    const std::vector<TitleItem> items = {{0, "a"}, {1, "b"}, {2, "c"}};
    const std::vector<Ids> tokens = {{5, 6}, {5, 2}, {7}};
    return TitleTrie::fromTokens(items, tokens, 0);
}
}  // namespace

class TestAllowedTokens : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void maskMatchesChildren();
    void indicesMatchMask();
    void rejectsBadNodeAndSmallVocabulary();
};

void TestAllowedTokens::maskMatchesChildren() {
    const TitleTrie t = trie();
    const std::vector<NodeId> nodes = {TitleTrie::kRoot, t.find(Ids{5}), t.find(Ids{7})};
    const at::Tensor mask = allowedTokenMask(t, nodes, 10);
    QCOMPARE(mask.size(0), std::int64_t{3});
    QCOMPARE(mask.size(1), std::int64_t{10});
    // Root: 5, 7. After 5: 2, 6. After 7: the termination 0.
    auto expected = torch::zeros({3, 10}, torch::kBool);
    expected.index_put_({0, 5}, true);
    expected.index_put_({0, 7}, true);
    expected.index_put_({1, 2}, true);
    expected.index_put_({1, 6}, true);
    expected.index_put_({2, 0}, true);
    QVERIFY(torch::equal(mask, expected));
}

void TestAllowedTokens::indicesMatchMask() {
    const TitleTrie t = trie();
    const std::vector<NodeId> nodes = {t.find(Ids{5}), TitleTrie::kRoot};
    const auto idx = allowedTokenIndices(t, nodes);
    QCOMPARE(idx.rows.numel(), std::int64_t{4});
    auto mask = torch::zeros({2, 10}, torch::kBool);
    mask.index_put_({idx.rows, idx.tokens}, torch::ones({4}, torch::kBool));
    QVERIFY(torch::equal(mask, allowedTokenMask(t, nodes, 10)));
}

void TestAllowedTokens::rejectsBadNodeAndSmallVocabulary() {
    const TitleTrie t = trie();
    const std::vector<NodeId> bad = {99};
    QVERIFY_THROWS_EXCEPTION(flower::Error, allowedTokenMask(t, bad, 10));
    QVERIFY_THROWS_EXCEPTION(flower::Error, allowedTokenIndices(t, bad));
    const std::vector<NodeId> root = {TitleTrie::kRoot};
    QVERIFY_THROWS_EXCEPTION(flower::Error, allowedTokenMask(t, root, 6));
}

FLOWER_TEST_MAIN(TestAllowedTokens, maskMatchesChildren, indicesMatchMask, rejectsBadNodeAndSmallVocabulary)
#ifdef FLOWER_TEST_QT
#include "test_allowed_tokens.moc"
#endif
