// ModelTrie: the title trie in compact ids with its rewards (RQ1 target and catalogue), and the
// Movies_and_TV compact vocabulary of the reference configuration.
#include "core/data/dataset.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/corpus_vocabulary.h"
#include "core/train/model_trie.h"
#include "core/train/rq1_target.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <fstream>

using namespace flower::train;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
flower::text::Tokenizer tinyTokenizer() {
    return flower::text::Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny");
}

flower::data::InteractionRow row(std::vector<flower::data::ItemId> history, flower::data::ItemId target) {
    flower::data::InteractionRow r;
    r.history = std::move(history);
    r.target = target;
    return r;
}
}  // namespace

class TestModelTrie : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rq1TargetInCompactIds();
    void catalogueWithHistoryRewards();
    void missingTokenIsAnError();
    void moviesCompactVocabulary();
};

// Titles "ab" → [256], "abc" → [257], "xyz" → [120,121,122]; termination 10.
void TestModelTrie::rq1TargetInCompactIds() {
    const auto tok = tinyTokenizer();
    const Rq1Target t{{"xyz", "ab", "abc"}, {1, 5, 2}, "t"};
    const auto vocab = historyFreeVocabulary(t, tok, flower::text::PromptTemplate::historyFree(), 10);
    const ModelTrie m = ModelTrie::forRq1Target(t, tok, 10, &vocab);
    QCOMPARE(m.trie.titleCount(), std::size_t{3});
    QCOMPARE(m.trie.terminationToken(), vocab.toCompact(10));
    const auto xyz = *m.trie.findTitle("xyz");
    const auto tokens = m.trie.titleTokens(xyz);
    QCOMPARE(Ids(tokens.begin(), tokens.end()), vocab.toCompact(Ids{120, 121, 122}));
    QCOMPARE(m.rewards[static_cast<std::size_t>(xyz)], 1.0);
    QCOMPARE(m.rewards[static_cast<std::size_t>(*m.trie.findTitle("ab"))], 5.0);
    QCOMPARE(m.rewards[static_cast<std::size_t>(*m.trie.findTitle("abc"))], 2.0);
    // Without a map: tokenizer ids.
    const ModelTrie plain = ModelTrie::forRq1Target(t, tok, 10);
    const auto p = plain.trie.titleTokens(*plain.trie.findTitle("abc"));
    QCOMPARE(Ids(p.begin(), p.end()), (Ids{257}));
}

// Catalogue ab, xyz, ab (id 2 shares the title), c. Histories [ab, xyz], [ab'] → ab 2, xyz 1, c 0.
void TestModelTrie::catalogueWithHistoryRewards() {
    const auto tok = tinyTokenizer();
    flower::data::Dataset d;
    d.catalog = flower::data::Catalog({"ab", "xyz", "ab", "c"});
    d.train = flower::data::InteractionSplit("train", {row({0, 1}, 3), row({2}, 1)});
    d.valid = d.train;
    d.test = d.train;
    const ModelTrie m = ModelTrie::forCatalogue(d, tok, 10);
    QCOMPARE(m.trie.titleCount(), std::size_t{3});
    const auto ab = *m.trie.findTitle("ab");
    QCOMPARE(m.rewards[static_cast<std::size_t>(ab)], 2.0);
    QCOMPARE(m.trie.itemIds(ab).size(), std::size_t{2});
    QCOMPARE(m.rewards[static_cast<std::size_t>(*m.trie.findTitle("xyz"))], 1.0);
    QCOMPARE(m.rewards[static_cast<std::size_t>(*m.trie.findTitle("c"))], 0.0);
}

void TestModelTrie::missingTokenIsAnError() {
    const auto tok = tinyTokenizer();
    flower::text::VocabularyMap::Builder b(tok.idEnd());
    b.add(10);
    b.add(256);
    const auto vocab = b.build();
    const Rq1Target t{{"ab", "xyz"}, {1, 1}, "t"};
    QVERIFY_THROWS_EXCEPTION(flower::Error, ModelTrie::forRq1Target(t, tok, 10, &vocab));
}

// The reference configuration names a 4,254-token compact vocabulary for Movies.
void TestModelTrie::moviesCompactVocabulary() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto tokPath = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(tokPath)) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const auto tok = flower::text::Tokenizer::fromFile(tokPath);
    const auto d = flower::data::loadDataset(shared / "data/Movies_and_TV");
    const auto vocab = bigRecVocabulary(d, tok, flower::text::PromptTemplate::bigRec("movies", "movie"), 198);
    const ModelTrie m = ModelTrie::forCatalogue(d, tok, 198, &vocab);
    QCOMPARE(m.trie.titleCount(), std::size_t{2599});  // distinct titles (NOTES.md)
    // Rewards = the reference's title interaction counts; titles it lacks have reward 0.
    std::ifstream in(shared / "data/Movies_and_TV/reference_title_interaction.json");
    const auto ref = nlohmann::json::parse(in);
    std::size_t positive = 0;
    for (std::size_t t = 0; t < m.rewards.size(); ++t) {
        const std::string& title = m.trie.title(static_cast<flower::flow::TitleIndex>(t));
        const double expected = ref.contains(title) ? ref.at(title).get<double>() : 0.0;
        QCOMPARE(m.rewards[t], expected);
        positive += m.rewards[t] > 0;
    }
    QCOMPARE(positive, ref.size());
    std::printf("Movies_and_TV compact vocabulary (catalogue titles + train/valid/test prompts + "
                "198): %zu ids; trie %zu nodes\n", vocab.size(), m.trie.nodeCount());
}

FLOWER_TEST_MAIN(TestModelTrie, rq1TargetInCompactIds, catalogueWithHistoryRewards,
                 missingTokenIsAnError, moviesCompactVocabulary)
#ifdef FLOWER_TEST_QT
#include "test_model_trie.moc"
#endif
