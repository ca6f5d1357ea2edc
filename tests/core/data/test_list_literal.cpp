// Python list literals as BIGRec CSVs hold them; expected values as Python's ast.literal_eval
// gives them (checked by hand in a Python 3.11 shell).
#include "core/data/list_literal.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"

using namespace flower::data;
using Strings = std::vector<std::string>;

namespace {
const flower::ErrorLocation kAt{"t.csv", 7, "history_item_title"};

// The message of the flower::Error that parsing `text` throws ("" when it does not throw).
std::string errorOf(const std::string& text) {
    return flower::test::errorOf([&] { parsePythonList(text, kAt); });
}
}  // namespace

class TestListLiteral : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesQuotesOfBothKinds();
    void parsesEscapes();
    void keepsUnicodeAndPunctuation();
    void concatenatesAdjacentStrings();
    void acceptsWhitespaceAndTrailingComma();
    void parsesNumbers();
    void rejectsMalformedLists();
    void errorsCarryLocation();
    void checksElementKinds();
    void reprRoundTrips();
};

void TestListLiteral::parsesQuotesOfBothKinds() {
    QCOMPARE(parseStringList("['A', \"B's\"]", kAt), (Strings{"A", "B's"}));
    QCOMPARE(parseStringList("[]", kAt), Strings{});
    QCOMPARE(parseStringList("['']", kAt), Strings{""});
    QCOMPARE(parseStringList("['He said \"hi\"']", kAt), Strings{"He said \"hi\""});
    QCOMPARE(parseStringList("[u'x', r'a\\b']", kAt), (Strings{"x", "a\\b"}));
}

void TestListLiteral::parsesEscapes() {
    QCOMPARE(parseStringList("['It\\'s', \"say \\\"no\\\"\", 'a\\\\b']", kAt),
             (Strings{"It's", "say \"no\"", "a\\b"}));
    QCOMPARE(parseStringList("['\\t\\n\\r']", kAt), Strings{"\t\n\r"});
    // \x, \u, \U and octal give code points, written as UTF-8: é = U+00E9 = C3 A9.
    QCOMPARE(parseStringList("['\\xe9', '\\u00e9', '\\U0001F600', '\\101']", kAt),
             (Strings{"\xC3\xA9", "\xC3\xA9", "\xF0\x9F\x98\x80", "A"}));
    // Python keeps an unknown escape as written: '\d' == '\\d'.
    QCOMPARE(parseStringList("['C:\\dir']", kAt), Strings{"C:\\dir"});
    // A raw string keeps its backslashes, and \' does not end it.
    QCOMPARE(parseStringList("[r'a\\'b']", kAt), Strings{"a\\'b"});
}

void TestListLiteral::keepsUnicodeAndPunctuation() {
    QCOMPARE(parseStringList("['Amélie', '千と千尋の神隠し', 'A, B [Blu-ray] (1999)']", kAt),
             (Strings{"Amélie", "千と千尋の神隠し", "A, B [Blu-ray] (1999)"}));
    QCOMPARE(parseStringList("[']', '[', ',']", kAt), (Strings{"]", "[", ","}));
}

void TestListLiteral::concatenatesAdjacentStrings() {
    QCOMPARE(parseStringList("['a' \"b\"  'c', 'd']", kAt), (Strings{"abc", "d"}));
}

void TestListLiteral::acceptsWhitespaceAndTrailingComma() {
    QCOMPARE(parseStringList(" [ 'a' ,\n\t'b' , ] ", kAt), (Strings{"a", "b"}));
    QCOMPARE(parseIntList("[1,2,3,]", kAt), (std::vector<std::int64_t>{1, 2, 3}));
}

void TestListLiteral::parsesNumbers() {
    QCOMPARE(parseIntList("[0, 2652, -3, 1524182400]", kAt),
             (std::vector<std::int64_t>{0, 2652, -3, 1524182400}));
    QCOMPARE(parseIntList("[9223372036854775807, -9223372036854775808]", kAt),
             (std::vector<std::int64_t>{INT64_MAX, INT64_MIN}));
    QCOMPARE(parseNumberList("[5.0, 4, .5, 1e3, 2.5E-1, -0.1]", kAt),
             (std::vector<double>{5.0, 4.0, 0.5, 1000.0, 0.25, -0.1}));
    const auto mixed = parsePythonList("['a', 1, 1.0]", kAt);
    QVERIFY(std::holds_alternative<std::string>(mixed[0]));
    QVERIFY(std::holds_alternative<std::int64_t>(mixed[1]));
    QVERIFY(std::holds_alternative<double>(mixed[2]));
}

void TestListLiteral::rejectsMalformedLists() {
    for (const std::string bad :
         {"", "'a'", "['a'", "['a]", "['a' 'b", "['a',, 'b']", "[,]", "['a'] x", "[a]",
          "[['a']]", "[('a',)]", "[b'a']", "['''a''']", "['a\nb']", "['\\x4']", "['\\ud800']",
          "[9223372036854775808]", "[0x10]", "[1_000]", "[012]", "[1e]", "['\\N{DASH}']"}) {
        QVERIFY2(!errorOf(bad).empty(), bad.c_str());
    }
}

void TestListLiteral::errorsCarryLocation() {
    const std::string message = errorOf("['a', 'b'");
    QVERIFY2(message.rfind("t.csv line 7, field history_item_title: ", 0) == 0, message.c_str());
    QVERIFY2(message.find("expected") != std::string::npos, message.c_str());
}

void TestListLiteral::checksElementKinds() {
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseStringList("['a', 1]", kAt));
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseIntList("[1, 2.0]", kAt));
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseNumberList("[1, 'x']", kAt));
}

void TestListLiteral::reprRoundTrips() {
    // As Python's repr: single quotes unless the text has a ' and no ".
    QCOMPARE(pythonStringRepr("abc"), std::string("'abc'"));
    QCOMPARE(pythonStringRepr("B's"), std::string("\"B's\""));
    QCOMPARE(pythonStringRepr("B's \"x\""), std::string("'B\\'s \"x\"'"));
    QCOMPARE(pythonStringRepr("a\\b\n"), std::string("'a\\\\b\\n'"));
    QCOMPARE(pythonList(Strings{"A", "B's"}), std::string("['A', \"B's\"]"));
    QCOMPARE(pythonList(std::vector<std::int64_t>{1, 22}), std::string("[1, 22]"));
    const Strings tricky = {"It's \"quoted\"", "back\\slash", "tab\there", "Amélie", ""};
    QCOMPARE(parseStringList(pythonList(tricky), kAt), tricky);
}

FLOWER_TEST_MAIN(TestListLiteral, parsesQuotesOfBothKinds, parsesEscapes,
                 keepsUnicodeAndPunctuation, concatenatesAdjacentStrings,
                 acceptsWhitespaceAndTrailingComma, parsesNumbers, rejectsMalformedLists,
                 errorsCarryLocation, checksElementKinds, reprRoundTrips)
#ifdef FLOWER_TEST_QT
#include "test_list_literal.moc"
#endif
