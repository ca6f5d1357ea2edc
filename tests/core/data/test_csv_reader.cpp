// RFC 4180 reading through libcsv: quoting, embedded line breaks, record start lines, errors.
#include "core/data/csv_reader.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

using namespace flower::data;
using Fields = std::vector<std::string>;

namespace {
std::string errorOf(const std::string& text) {
    return flower::test::errorOf([&] { CsvTable::parse(text, "t.csv"); });
}
}  // namespace

class TestCsvReader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsHeaderAndColumns();
    void handlesQuotedCommasQuotesAndNewlines();
    void keepsSpacesAndEmptyFields();
    void recordsStartLines();
    void acceptsCrlfAndBom();
    void rejectsMalformedQuoting();
    void rejectsWrongFieldCount();
    void rejectsInvalidUtf8NamingField();
    void reportsMissingFileAndColumn();
    void quotesFieldsForWriting();
};

void TestCsvReader::readsHeaderAndColumns() {
    const CsvTable t = CsvTable::parse("a,b,c\n1,2,3\n", "t.csv");
    QCOMPARE(t.header(), (Fields{"a", "b", "c"}));
    QCOMPARE(t.records().size(), std::size_t{1});
    QCOMPARE(t.records()[0].fields, (Fields{"1", "2", "3"}));
    const auto c = t.column("c");
    QVERIFY(c.has_value());
    QCOMPARE(*c, std::size_t{2});
    QVERIFY(!t.column("d").has_value());
}

void TestCsvReader::handlesQuotedCommasQuotesAndNewlines() {
    const CsvTable t = CsvTable::parse(
        "x,y\n\"a, b\",\"say \"\"hi\"\"\"\n\"line1\nline2\",\"['A', \"\"B's\"\"]\"\n", "t.csv");
    QCOMPARE(t.records().size(), std::size_t{2});
    QCOMPARE(t.records()[0].fields, (Fields{"a, b", "say \"hi\""}));
    QCOMPARE(t.records()[1].fields, (Fields{"line1\nline2", "['A', \"B's\"]"}));
}

void TestCsvReader::keepsSpacesAndEmptyFields() {
    const CsvTable t = CsvTable::parse("x,y,z\n a , ,\n", "t.csv");
    QCOMPARE(t.records()[0].fields, (Fields{" a ", " ", ""}));
}

void TestCsvReader::recordsStartLines() {
    // Record 1 spans lines 2-4; a blank line (6) sits between records; no final newline.
    const CsvTable t = CsvTable::parse("x,y\n\"a\nb\nc\",1\nd,2\n\ne,3", "t.csv");
    QCOMPARE(t.records().size(), std::size_t{3});
    QCOMPARE(t.records()[0].line, std::int64_t{2});
    QCOMPARE(t.records()[1].line, std::int64_t{5});
    QCOMPARE(t.records()[2].line, std::int64_t{7});
    QCOMPARE(t.records()[2].fields, (Fields{"e", "3"}));
}

void TestCsvReader::acceptsCrlfAndBom() {
    const CsvTable t = CsvTable::parse("\xEF\xBB\xBFx,y\r\n1,\"a\r\nb\"\r\n2,c\r\n", "t.csv");
    QCOMPARE(t.header(), (Fields{"x", "y"}));
    QCOMPARE(t.records().size(), std::size_t{2});
    QCOMPARE(t.records()[0].fields, (Fields{"1", "a\r\nb"}));  // inside quotes, kept as is
    QCOMPARE(t.records()[1].line, std::int64_t{4});
}

void TestCsvReader::rejectsMalformedQuoting() {
    const std::string unclosed = errorOf("x,y\n1,2\n3,\"open\n4,5\n");
    QVERIFY2(unclosed.rfind("t.csv line 3: ", 0) == 0, unclosed.c_str());
    const std::string stray = errorOf("x,y\n1,2\n3,\"a\"b\n");
    QVERIFY2(stray.rfind("t.csv line 3: malformed CSV", 0) == 0, stray.c_str());
    QVERIFY(!errorOf("x,y\n1,a\"b\n").empty());  // a quote inside an unquoted field
}

void TestCsvReader::rejectsWrongFieldCount() {
    const std::string message = errorOf("x,y\n1,2\n3\n");
    QVERIFY2(message.rfind("t.csv line 3: expected 2 fields", 0) == 0, message.c_str());
    QVERIFY(!errorOf("").empty());
}

void TestCsvReader::rejectsInvalidUtf8NamingField() {
    const std::string message = errorOf("x,title\n1,ok\n2,\"bad \xC3\x28\"\n");
    QVERIFY2(message.rfind("t.csv line 3, field title: invalid UTF-8", 0) == 0, message.c_str());
    QVERIFY(!errorOf("x\n\xED\xA0\x80\n").empty());  // an encoded surrogate
    QVERIFY(!errorOf("x\n\xC0\xAF\n").empty());      // an overlong '/'
    QVERIFY(errorOf("x\n\xF0\x9F\x98\x80\n").empty());  // U+1F600 is fine
}

void TestCsvReader::reportsMissingFileAndColumn() {
    flower::test::TempDir dir("csv");
    try {
        CsvTable::readFile(dir.path() / "nope.csv");
        QFAIL("no error for a missing file");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("nope.csv") != std::string::npos, e.what());
    }
    const CsvTable t = CsvTable::readFile(dir.write("a.csv", "x,y\n1,2\n"), "a.csv");
    try {
        t.requireColumn("item_title");
        QFAIL("no error for a missing column");
    } catch (const flower::Error& e) {
        QCOMPARE(e.where().field, std::string("item_title"));
        QCOMPARE(e.where().file, std::string("a.csv"));
    }
}

void TestCsvReader::quotesFieldsForWriting() {
    QCOMPARE(csvField("plain"), std::string("plain"));
    QCOMPARE(csvField("a,b"), std::string("\"a,b\""));
    QCOMPARE(csvField("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
    const std::string tricky = "a, \"b\"\nc";
    const CsvTable t = CsvTable::parse("x\n" + csvField(tricky) + "\n", "t.csv");
    QCOMPARE(t.records()[0].fields, Fields{tricky});
}

FLOWER_TEST_MAIN(TestCsvReader, readsHeaderAndColumns, handlesQuotedCommasQuotesAndNewlines,
                 keepsSpacesAndEmptyFields, recordsStartLines, acceptsCrlfAndBom,
                 rejectsMalformedQuoting, rejectsWrongFieldCount, rejectsInvalidUtf8NamingField,
                 reportsMissingFileAndColumn, quotesFieldsForWriting)
#ifdef FLOWER_TEST_QT
#include "test_csv_reader.moc"
#endif
