// Tokenizer: hand-checked ids on a tiny tokenizer.json, the Qwen2.5 golden file, round trips,
// and one test per bad input.
#include "core/text/byte_level.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using flower::text::TokenId;
using flower::text::Tokenizer;
using Ids = std::vector<TokenId>;

namespace {
using flower::test::contains;
using flower::test::errorOf;
Tokenizer tiny() {
    return Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny.json");
}


std::optional<Tokenizer> defaultTokenizer() {
    const auto path = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(path)) return std::nullopt;
    return Tokenizer::fromFile(path);
}
}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void byteLevelAlphabet();
    void mergesByRank();
    void addedTokens();
    void decodesBytesAndReplacesInvalidUtf8();
    void normalizesToNfc();
    void goldenQwenIds();
    void roundTripGoldenTexts();
    void rejectsMissingFile();
    void rejectsTruncatedJson();
    void rejectsOtherModelType();
    void rejectsMergeWithUnknownToken();
    void rejectsMergeWithUnknownResult();
    void rejectsMalformedMerge();
    void rejectsUnsupportedPreTokenizer();
    void rejectsInvalidUtf8Text();
    void rejectsUnknownIdInDecode();
};

void TestTokenizer::byteLevelAlphabet() {
    // GPT-2's table: printable bytes stand for themselves; space -> U+0120 "Ġ", \n -> U+010A "Ċ".
    QCOMPARE(flower::text::byteLevelAlphabet()['a'], std::string("a"));
    QCOMPARE(flower::text::byteLevelAlphabet()[' '], std::string("\xC4\xA0"));
    QCOMPARE(flower::text::byteLevelAlphabet()['\n'], std::string("\xC4\x8A"));
    QCOMPARE(flower::text::toByteLevel("a b"), std::string("a\xC4\xA0" "b"));
    QCOMPARE(static_cast<std::uint32_t>(flower::text::byteToCodePoint(0xAD)), std::uint32_t{0x143});
}

void TestTokenizer::mergesByRank() {
    const Tokenizer t = tiny();
    // "abc": a+b (rank 0) beats b+c (rank 3), then ab+c (rank 1).
    QCOMPARE(t.encode("abc"), (Ids{257}));
    // "xbc": only b+c applies.
    QCOMPARE(t.encode("xbc"), (Ids{'x', 259}));
    // " ab" is one piece: Ġ a b -> Ġ ab -> Ġab.
    QCOMPARE(t.encode("abc ab"), (Ids{257, 258}));
    QCOMPARE(t.encode("abd"), (Ids{256, 'd'}));
    // Digits are split one by one by the regex; "\n" is its own piece.
    QCOMPARE(t.encode("12\n"), (Ids{'1', '2', 0x10A - 0x100 + 0}));
}

void TestTokenizer::addedTokens() {
    const Tokenizer t = tiny();
    QCOMPARE(t.encode("ab<|end|>ab"), (Ids{256, 300, 256}));
    // lstrip/rstrip swallow the spaces around [MASK].
    QCOMPARE(t.encode("ab [MASK] ab"), (Ids{256, 301, 256}));
    // single_word: not inside a word, yes between spaces.
    QCOMPARE(t.encode("a<w>b"), (Ids{'a', '<', 'w', '>', 'b'}));
    QCOMPARE(t.encode("a <w> b"), (Ids{'a', ' ' + 0, 302, 0x120 - 0x100 + 0, 'b'}));
    QVERIFY(t.isSpecial(300));
    QVERIFY(!t.isSpecial(301));
    QCOMPARE(t.idEnd(), TokenId{303});
    QCOMPARE(t.decode(Ids{256, 300, 256}, true), std::string("abab"));
    QCOMPARE(t.decode(Ids{256, 300, 256}), std::string("ab<|end|>ab"));
}

void TestTokenizer::decodesBytesAndReplacesInvalidUtf8() {
    const Tokenizer t = tiny();
    // "é" is C3 A9: the two byte tokens decode to it, either alone to U+FFFD.
    const Ids e = t.encode("\xC3\xA9");
    QCOMPARE(e, (Ids{0xC3 - 0xA1 + 0xA1, 0xA9}));
    QCOMPARE(t.decode(e), std::string("\xC3\xA9"));
    QCOMPARE(t.decode(Ids{0xC3}), std::string("\xEF\xBF\xBD"));
    QCOMPARE(t.decode(Ids{0xC3, 'a'}), std::string("\xEF\xBF\xBD" "a"));
}

void TestTokenizer::normalizesToNfc() {
    const Tokenizer t = tiny();
    // "e" + combining acute (NFD) encodes like the precomposed "é".
    QCOMPARE(t.encode("e\xCC\x81"), t.encode("\xC3\xA9"));
    QCOMPARE(t.normalize("e\xCC\x81"), std::string("\xC3\xA9"));
}

void TestTokenizer::goldenQwenIds() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto tokenizer = defaultTokenizer();
    if (!tokenizer) QSKIP("default tokenizer absent (scripts/setup.sh fetches it)");
    std::ifstream in(shared / "fixtures/qwen2.5-tokenizer-golden-movies.jsonl");
    QVERIFY(in.good());
    std::string line;
    int lines = 0, wrong = 0;
    std::string firstWrong;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        const std::string text = j.at("text").get<std::string>();
        const Ids expected = j.at("ids").get<Ids>();
        ++lines;
        if (tokenizer->encode(text) != expected) {
            if (wrong++ == 0) firstWrong = j.dump();
        }
    }
    QCOMPARE(lines, 5629);
    QVERIFY2(wrong == 0, (std::to_string(wrong) + " lines differ; first: " + firstWrong).c_str());
}

void TestTokenizer::roundTripGoldenTexts() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto tokenizer = defaultTokenizer();
    if (!tokenizer) QSKIP("default tokenizer absent (scripts/setup.sh fetches it)");
    std::ifstream in(shared / "fixtures/qwen2.5-tokenizer-golden-movies.jsonl");
    std::string line;
    int lines = 0, unchanged = 0;
    while (std::getline(in, line)) {
        const std::string text = nlohmann::json::parse(line).at("text").get<std::string>();
        const std::string back = tokenizer->decode(tokenizer->encode(text));
        // The normalizer is NFC, so one NFD line comes back composed.
        QCOMPARE(back, tokenizer->normalize(text));
        unchanged += back == text ? 1 : 0;
        ++lines;
    }
    QCOMPARE(unchanged, lines - 1);
}

void TestTokenizer::rejectsMissingFile() {
    const std::string msg = errorOf([] { Tokenizer::fromFile("/nonexistent/tokenizer.json"); });
    QVERIFY2(contains(msg, "/nonexistent/tokenizer.json"), msg.c_str());
}

void TestTokenizer::rejectsTruncatedJson() {
    const std::string text = flower::test::tinyTokenizerJson().dump(1);
    const std::string msg =
        errorOf([&] { Tokenizer::fromJsonText(text.substr(0, text.size() / 2), "cut.json"); });
    QVERIFY2(contains(msg, "cut.json line ") && contains(msg, "not valid JSON"), msg.c_str());
}

void TestTokenizer::rejectsOtherModelType() {
    auto j = flower::test::tinyTokenizerJson();
    j["model"]["type"] = "WordPiece";
    const std::string msg = errorOf([&] { Tokenizer::fromJsonText(j.dump(), "wp.json"); });
    QVERIFY2(contains(msg, "\"WordPiece\"") && contains(msg, "model.type"), msg.c_str());
}

void TestTokenizer::rejectsMergeWithUnknownToken() {
    auto j = flower::test::tinyTokenizerJson();
    j["model"]["merges"].push_back("ab zz");
    const std::string msg = errorOf([&] { Tokenizer::fromJsonText(j.dump(), "m.json"); });
    QVERIFY2(contains(msg, "model.merges[4]") && contains(msg, "\"zz\""), msg.c_str());
}

void TestTokenizer::rejectsMergeWithUnknownResult() {
    auto j = flower::test::tinyTokenizerJson();
    j["model"]["merges"].push_back(nlohmann::json{"c", "d"});
    const std::string msg = errorOf([&] { Tokenizer::fromJsonText(j.dump(), "m.json"); });
    QVERIFY2(contains(msg, "model.merges[4]") && contains(msg, "\"cd\""), msg.c_str());
}

void TestTokenizer::rejectsMalformedMerge() {
    auto j = flower::test::tinyTokenizerJson();
    j["model"]["merges"].push_back("abc");
    const std::string msg = errorOf([&] { Tokenizer::fromJsonText(j.dump(), "m.json"); });
    QVERIFY2(contains(msg, "model.merges[4]"), msg.c_str());
}

void TestTokenizer::rejectsUnsupportedPreTokenizer() {
    auto j = flower::test::tinyTokenizerJson();
    j["pre_tokenizer"] = {{"type", "Metaspace"}};
    const std::string msg = errorOf([&] { Tokenizer::fromJsonText(j.dump(), "p.json"); });
    QVERIFY2(contains(msg, "\"Metaspace\""), msg.c_str());
}

void TestTokenizer::rejectsInvalidUtf8Text() {
    const Tokenizer t = tiny();
    const std::string msg = errorOf([&] { t.encode("ab\xFF"); });
    QVERIFY2(contains(msg, "UTF-8") && contains(msg, "byte 2"), msg.c_str());
}

void TestTokenizer::rejectsUnknownIdInDecode() {
    const Tokenizer t = tiny();
    QVERIFY_THROWS_EXCEPTION(flower::Error, t.decode(Ids{5000}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, t.idToToken(-1));
}

FLOWER_TEST_MAIN(TestTokenizer, byteLevelAlphabet, mergesByRank, addedTokens,
                 decodesBytesAndReplacesInvalidUtf8, normalizesToNfc, goldenQwenIds,
                 roundTripGoldenTexts, rejectsMissingFile, rejectsTruncatedJson,
                 rejectsOtherModelType, rejectsMergeWithUnknownToken,
                 rejectsMergeWithUnknownResult, rejectsMalformedMerge,
                 rejectsUnsupportedPreTokenizer, rejectsInvalidUtf8Text, rejectsUnknownIdInDecode)
#ifdef FLOWER_TEST_QT
#include "test_tokenizer.moc"
#endif
