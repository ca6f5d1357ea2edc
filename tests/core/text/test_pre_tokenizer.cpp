// PreTokenizer: the five Split behaviours on Hugging Face's documented example, invert, the Qwen
// pattern's pieces, ByteLevel's prefix space and GPT-2 regex, and errors.
#include "core/text/pre_tokenizer.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <deque>

using flower::text::PreTokenizer;
using Pieces = std::vector<std::string>;

namespace {
Pieces split(const nlohmann::json& spec, const std::string& text) {
    const PreTokenizer p = PreTokenizer::fromJson(spec, "test");
    std::vector<std::string_view> views;
    std::deque<std::string> storage;
    p.split(text, views, storage);
    return {views.begin(), views.end()};
}

nlohmann::json dashSplit(const char* behavior, bool invert = false) {
    return {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
}
}  // namespace

class TestPreTokenizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void splitBehaviours();
    void qwenPatternPieces();
    void byteLevelPrefixSpaceAndRegex();
    void rejectsBadSpecs();
};

void TestPreTokenizer::splitBehaviours() {
    // The examples of tokenizers' SplitDelimiterBehavior documentation.
    const std::string text = "the-final--countdown";
    QCOMPARE(split(dashSplit("Removed"), text), (Pieces{"the", "final", "countdown"}));
    QCOMPARE(split(dashSplit("Isolated"), text), (Pieces{"the", "-", "final", "-", "-", "countdown"}));
    QCOMPARE(split(dashSplit("MergedWithPrevious"), text), (Pieces{"the-", "final-", "-", "countdown"}));
    QCOMPARE(split(dashSplit("MergedWithNext"), text), (Pieces{"the", "-final", "-", "-countdown"}));
    QCOMPARE(split(dashSplit("Contiguous"), text), (Pieces{"the", "-", "final", "--", "countdown"}));
    // invert: the pattern marks what to keep.
    QCOMPARE(split(dashSplit("Removed", true), text), (Pieces{"-", "-", "-"}));
}

void TestPreTokenizer::qwenPatternPieces() {
    const auto spec = flower::test::tinyTokenizerJson()["pre_tokenizer"];
    QCOMPARE(split(spec, "It's 2024!\n\nOK  now"),
             (Pieces{"It", "'s", " ", "2", "0", "2", "4", "!\n\n", "OK", " ", " now"}));
    QCOMPARE(split(spec, "IT'S"), (Pieces{"IT", "'S"}));
}

void TestPreTokenizer::byteLevelPrefixSpaceAndRegex() {
    // GPT-2 style: ByteLevel alone, with its regex and a prefix space.
    const nlohmann::json spec = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
    QCOMPARE(split(spec, "ab ab"), (Pieces{" ab", " ab"}));
    QVERIFY(PreTokenizer::fromJson(spec, "t").byteLevel());
    auto j = flower::test::tinyTokenizerJson();
    j["pre_tokenizer"] = spec;
    const auto tok = flower::text::Tokenizer::fromJsonText(j.dump(), "gpt2-like");
    QCOMPARE(tok.encode("ab ab"), (std::vector<flower::text::TokenId>{258, 258}));
}

void TestPreTokenizer::rejectsBadSpecs() {
    QVERIFY_THROWS_EXCEPTION(flower::Error, split(dashSplit("Sideways"), "a"));
    const nlohmann::json badRegex = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
    try {
        split(badRegex, "a");
        QFAIL("no error");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("pattern.Regex") != std::string::npos, e.what());
    }
    const nlohmann::json afterByteLevel = {
        {"type", "Sequence"},
        {"pretokenizers", {{{"type", "ByteLevel"}}, dashSplit("Isolated")}}};
    QVERIFY_THROWS_EXCEPTION(flower::Error, split(afterByteLevel, "a"));
}

FLOWER_TEST_MAIN(TestPreTokenizer, splitBehaviours, qwenPatternPieces, byteLevelPrefixSpaceAndRegex,
                 rejectsBadSpecs)
#ifdef FLOWER_TEST_QT
#include "test_pre_tokenizer.moc"
#endif
