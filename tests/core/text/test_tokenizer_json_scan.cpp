// The fast tokenizer.json reader (core/text/tokenizer_json_scan.h) against nlohmann, the oracle:
// whatever it accepts must equal nlohmann's reading of the same text, and whatever is not the
// plain shape must be left to nlohmann (nullopt), never read differently.
#include "core/text/tokenizer.h"
#include "core/text/tokenizer_json_scan.h"
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using flower::text::scanTokenizerJson;
using flower::text::TokenizerJsonParts;

class TestTokenizerJsonScan : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTinyTokenizerAsNlohmann();
    void decodesRandomStringsAsNlohmann();
    void leavesEverythingElseToNlohmann();
    void tokenizerLoadsThroughEitherPath();
    void duplicateTokenKeepsLastValue();
    void twoTokensWithOneIdKeepBoth();
    void readsQwenTokenizerAsNlohmann();
};

namespace {

// What nlohmann reads from `text`, in the scanner's terms (the oracle).
TokenizerJsonParts nlohmannParts(const std::string& text) {
    nlohmann::json doc = nlohmann::json::parse(text);
    TokenizerJsonParts parts;
    for (const auto& [token, id] : doc["model"]["vocab"].items()) {
        parts.vocab.emplace_back(token, id.get<std::int64_t>());
    }
    for (const auto& merge : doc["model"]["merges"]) {
        if (merge.is_string()) {
            const std::string s = merge.get<std::string>();
            parts.merges.emplace_back(s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1));
        } else {
            parts.merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
        }
    }
    doc["model"].erase("vocab");
    doc["model"].erase("merges");
    parts.document = doc;
    return parts;
}

void compareParts(const TokenizerJsonParts& got, const TokenizerJsonParts& expected) {
    QVERIFY(got.document == expected.document);
    // nlohmann iterates keys sorted, the scanner keeps the file's order: compare as maps.
    const std::map<std::string, std::int64_t> gotVocab(got.vocab.begin(), got.vocab.end());
    const std::map<std::string, std::int64_t> expectedVocab(expected.vocab.begin(), expected.vocab.end());
    QCOMPARE(got.vocab.size(), expected.vocab.size());
    QVERIFY(gotVocab == expectedVocab);
    QVERIFY(got.merges == expected.merges);
}

// A minimal tokenizer.json text around `vocab` and `merges` members given as raw JSON text.
std::string document(const std::string& vocab, const std::string& merges,
                     const std::string& rest = R"("version": "1.0", "added_tokens": [])") {
    return "{" + rest + R"(, "model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": )" +
           merges + "}}";
}

}  // namespace

void TestTokenizerJsonScan::readsTinyTokenizerAsNlohmann() {
    const nlohmann::json tiny = flower::test::tinyTokenizerJson();
    // Compact and indented as Hugging Face writes it (raw UTF-8), and with every non-ASCII
    // character escaped.
    for (const std::string& text : {tiny.dump(), tiny.dump(2), tiny.dump(-1, ' ', true)}) {
        const auto parts = scanTokenizerJson(text);
        QVERIFY(parts.has_value());
        compareParts(*parts, nlohmannParts(text));
    }
}

void TestTokenizerJsonScan::decodesRandomStringsAsNlohmann() {
    // Tokens made of the characters that need care: quotes, backslashes, slashes, controls,
    // multi-byte and astral characters; written escaped and raw by nlohmann's own dump.
    const std::vector<std::string> pieces = {"a", "\"", "\\", "/", "\n", "\t", "\b", "\f", "\r",
                                             std::string(1, '\0'), "\x01", "\x1f", "\x7f", " ",
                                             "\xC4\xA0", "\xC3\xA9", "\xE2\x82\xAC",
                                             "\xF0\x9F\x98\x80", "\xEF\xBF\xBF"};
    std::mt19937 rng(17);
    for (int round = 0; round < 50; ++round) {
        nlohmann::json vocab = nlohmann::json::object();
        nlohmann::json merges = nlohmann::json::array();
        for (int id = 0; id < 40; ++id) {
            std::string token;
            const int length = 1 + static_cast<int>(rng() % 6);
            for (int k = 0; k < length; ++k) token += pieces[rng() % pieces.size()];
            token += std::to_string(id);  // distinct
            vocab[token] = id;
            merges.push_back(nlohmann::json::array({token, token + "x"}));
        }
        const nlohmann::json doc = {{"model", {{"vocab", vocab}, {"merges", merges}}}};
        for (const std::string& text : {doc.dump(), doc.dump(-1, ' ', true)}) {
            const auto parts = scanTokenizerJson(text);
            QVERIFY2(parts.has_value(), text.c_str());
            compareParts(*parts, nlohmannParts(text));
        }
    }
    // Escapes nlohmann's dump never writes: \/, upper-case hex, a surrogate pair, \u0000.
    const std::string text = document(R"({"\/\u00E9\ud83d\ude00": 0, "\u0000": 1, "A\u0042": 2})", "[]");
    const auto parts = scanTokenizerJson(text);
    QVERIFY(parts.has_value());
    compareParts(*parts, nlohmannParts(text));
}

void TestTokenizerJsonScan::leavesEverythingElseToNlohmann() {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"byte-order mark", "\xEF\xBB\xBF" + document(R"({"a": 0})", "[]")},
        {"duplicate top-level key", R"({"version": "1", "version": "2", "model": {"vocab": {}, "merges": []}})"},
        {"duplicate model key", document(R"({"a": 0})", R"([], "merges": [])")},
        {"two tokens, one id", document(R"({"a": 0, "b": 0})", "[]")},
        {"fractional id", document(R"({"a": 1.0})", "[]")},
        {"exponent id", document(R"({"a": 1e2})", "[]")},
        {"negative id", document(R"({"a": -1})", "[]")},
        {"leading zero", document(R"({"a": 01})", "[]")},
        {"string id", document(R"({"a": "1"})", "[]")},
        {"huge id", document(R"({"a": 123456789012345678901})", "[]")},
        {"lone low surrogate", document(R"({"\udc00": 0})", "[]")},
        {"high surrogate alone", document(R"({"\ud83dx": 0})", "[]")},
        {"high surrogate, then not a low one", document(R"({"\ud83d\u0041": 0})", "[]")},
        {"unknown escape", document(R"({"\x41": 0})", "[]")},
        {"short \\u escape", document(R"({"\u41": 0})", "[]")},
        {"raw control character", document("{\"a\tb\": 0}", "[]")},
        {"overlong UTF-8", document("{\"\xC0\x80\": 0}", "[]")},
        {"encoded surrogate", document("{\"\xED\xA0\x80\": 0}", "[]")},
        {"truncated UTF-8", document("{\"\xE2\x82\": 0}", "[]")},
        {"merge with two spaces", document(R"({"a": 0})", R"(["a b c"])")},
        {"merge without a space", document(R"({"a": 0})", R"(["ab"])")},
        {"merge of one token", document(R"({"a": 0})", R"([["a"]])")},
        {"merge of a number", document(R"({"a": 0})", R"([1])")},
        {"vocab not an object", document(R"([])", "[]")},
        {"no merges", R"({"model": {"vocab": {"a": 0}}})"},
        {"no vocab", R"({"model": {"merges": []}})"},
        {"no model", R"({"version": "1"})"},
        {"model not an object", R"({"model": []})"},
        {"trailing text", document(R"({"a": 0})", "[]") + " x"},
        {"truncated", document(R"({"a": 0})", "[]").substr(0, 40)},
        {"invalid small member", document(R"({"a": 0})", "[]", R"("version": tru)")},
        {"not an object", "[]"},
        {"empty", ""},
    };
    for (const auto& [what, text] : cases) {
        QVERIFY2(!scanTokenizerJson(text).has_value(), what.c_str());
    }
}

void TestTokenizerJsonScan::tokenizerLoadsThroughEitherPath() {
    // The same tiny tokenizer with a byte-order mark (valid JSON for nlohmann, not the plain
    // shape) loads through the slow path and encodes exactly as through the fast one.
    const std::string text = flower::test::tinyTokenizerJson().dump();
    QVERIFY(scanTokenizerJson(text).has_value());
    QVERIFY(!scanTokenizerJson("\xEF\xBB\xBF" + text).has_value());
    const auto fast = flower::text::Tokenizer::fromJsonText(text, "tiny.json");
    const auto slow = flower::text::Tokenizer::fromJsonText("\xEF\xBB\xBF" + text, "tiny.json");
    for (const char* sample : {"abc abcd", "a<|end|>bc [MASK] x", "<w> ab\xC3\xA9 c"}) {
        QCOMPARE(fast.encode(sample), slow.encode(sample));
    }
    QCOMPARE(fast.idEnd(), slow.idEnd());
}

void TestTokenizerJsonScan::duplicateTokenKeepsLastValue() {
    // The scanner reads it (tokens are not checked there); the model sees the duplicate and the
    // file is read by nlohmann, which keeps the last value: "ab" is 260, as nlohmann reads it.
    std::string text = flower::test::tinyTokenizerJson().dump();
    const std::string entry = "\"ab\":256";
    QVERIFY(text.find(entry) != std::string::npos);
    text.replace(text.find(entry), entry.size(), "\"ab\":256,\"ab\":260");
    QCOMPARE(nlohmann::json::parse(text)["model"]["vocab"]["ab"].get<int>(), 260);
    QVERIFY(scanTokenizerJson(text).has_value());
    const auto tokenizer = flower::text::Tokenizer::fromJsonText(text, "tiny.json");
    QCOMPARE(tokenizer.tokenToId("ab"), std::optional<flower::text::TokenId>(260));
}

void TestTokenizerJsonScan::twoTokensWithOneIdKeepBoth() {
    // Not the plain shape (the slow path reads it): both tokens map to the id, and the id's
    // string is the later one in nlohmann's key order ("zz" after "ab"), as before the index.
    nlohmann::json tiny = flower::test::tinyTokenizerJson();
    tiny["model"]["vocab"]["zz"] = 256;
    const std::string text = tiny.dump();
    QVERIFY(!scanTokenizerJson(text).has_value());
    const auto tokenizer = flower::text::Tokenizer::fromJsonText(text, "tiny.json");
    QCOMPARE(tokenizer.tokenToId("ab"), std::optional<flower::text::TokenId>(256));
    QCOMPARE(tokenizer.tokenToId("zz"), std::optional<flower::text::TokenId>(256));
    QCOMPARE(tokenizer.idToToken(256), std::string("zz"));
    QCOMPARE(tokenizer.tokenToId("abc"), std::optional<flower::text::TokenId>(257));
    QVERIFY(!tokenizer.tokenToId("abcd").has_value());
}

void TestTokenizerJsonScan::readsQwenTokenizerAsNlohmann() {
    const auto path = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(path)) {
        QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    }
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const auto parts = scanTokenizerJson(text.str());
    QVERIFY(parts.has_value());
    QVERIFY(parts->vocab.size() > 100000);
    compareParts(*parts, nlohmannParts(text.str()));
}

FLOWER_TEST_MAIN(TestTokenizerJsonScan, readsTinyTokenizerAsNlohmann, decodesRandomStringsAsNlohmann,
                 leavesEverythingElseToNlohmann, tokenizerLoadsThroughEitherPath,
                 duplicateTokenKeepsLastValue, twoTokensWithOneIdKeepBoth,
                 readsQwenTokenizerAsNlohmann)
#ifdef FLOWER_TEST_QT
#include "test_tokenizer_json_scan.moc"
#endif
