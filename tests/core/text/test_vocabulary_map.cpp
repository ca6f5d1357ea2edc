// VocabularyMap: compact ids in ascending tokenizer order, round trips, save/load, errors.
#include "core/text/vocabulary_map.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using flower::text::TokenId;
using flower::text::VocabularyMap;
using Ids = std::vector<TokenId>;

namespace {
VocabularyMap sample() {
    VocabularyMap::Builder b(1000);
    b.add(Ids{785, 198, 12, 785, 999});
    b.add(0);
    return b.build();
}
}  // namespace

class TestVocabularyMap : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void compactsInAscendingOrder();
    void roundTripsSequences();
    void savesAndLoads();
    void rejectsUnknownIds();
    void rejectsBadFile();
};

void TestVocabularyMap::compactsInAscendingOrder() {
    const VocabularyMap m = sample();
    QCOMPARE(m.size(), std::size_t{5});
    QCOMPARE(Ids(m.tokenizerIds().begin(), m.tokenizerIds().end()), (Ids{0, 12, 198, 785, 999}));
    QCOMPARE(m.toCompact(198), TokenId{2});
    QCOMPARE(m.toTokenizer(4), TokenId{999});
    QCOMPARE(m.tokenizerIdEnd(), TokenId{1000});
    QVERIFY(!m.tryCompact(13).has_value());
}

void TestVocabularyMap::roundTripsSequences() {
    const VocabularyMap m = sample();
    const Ids text = {785, 12, 198, 785};
    QCOMPARE(m.toCompact(text), (Ids{3, 1, 2, 3}));
    QCOMPARE(m.toTokenizer(m.toCompact(text)), text);
}

void TestVocabularyMap::savesAndLoads() {
    const auto path = std::filesystem::temp_directory_path() / "flower_test_vocab_map.json";
    sample().save(path);
    const VocabularyMap back = VocabularyMap::load(path);
    QCOMPARE(Ids(back.tokenizerIds().begin(), back.tokenizerIds().end()), (Ids{0, 12, 198, 785, 999}));
    QCOMPARE(back.tokenizerIdEnd(), TokenId{1000});
    std::filesystem::remove(path);
}

void TestVocabularyMap::rejectsUnknownIds() {
    const VocabularyMap m = sample();
    try {
        m.toCompact(13);
        QFAIL("no error");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("13") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, m.toTokenizer(5));
    VocabularyMap::Builder b(10);
    QVERIFY_THROWS_EXCEPTION(flower::Error, b.add(10));
}

void TestVocabularyMap::rejectsBadFile() {
    auto j = sample().toJson();
    j["tokenizer_ids"] = {5, 3};
    try {
        VocabularyMap::fromJson(j, "vm.json");
        QFAIL("no error");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("vm.json, field tokenizer_ids[1]") != std::string::npos, e.what());
    }
    j = sample().toJson();
    j["format"] = "other";
    QVERIFY_THROWS_EXCEPTION(flower::Error, VocabularyMap::fromJson(j, "vm.json"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, VocabularyMap::load("/nonexistent/vm.json"));
}

FLOWER_TEST_MAIN(TestVocabularyMap, compactsInAscendingOrder, roundTripsSequences, savesAndLoads,
                 rejectsUnknownIds, rejectsBadFile)
#ifdef FLOWER_TEST_QT
#include "test_vocabulary_map.moc"
#endif
