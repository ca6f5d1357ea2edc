// Reading the raw dumps: the streaming line reader (plain and gzip, concatenated members,
// truncated streams, lines longer than a chunk), the field scanner (wanted members, escapes,
// skipped nested values, malformed JSON) and the meta/review readers' located errors and
// --strict false counts. Inputs are written by the test; expectations are worked out by hand.
#include "core/prepare/amazon_raw.h"
#include "core/prepare/json_fields.h"
#include "core/prepare/line_reader.h"
#include "core/prepare/sha256.h"
#include "core/util/error.h"
#include "core/util/remove_tree.h"
#include "tests/support/flower_test.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace flower::prepare;
namespace fs = std::filesystem;

namespace {

fs::path scratch() {
    const fs::path dir = fs::temp_directory_path() / ("flower-raw-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

void writePlain(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

std::string gzipBytes(const std::string& text) {
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, static_cast<uLong>(text.size())) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::vector<std::string> readAll(const fs::path& path, std::size_t chunk = 4u << 20) {
    LineReader reader(path.string(), chunk);
    std::vector<std::string> lines;
    std::string_view line;
    while (reader.next(line)) lines.emplace_back(line);
    return lines;
}

std::string sha256Of(const std::string& bytes) {
    Sha256 h;
    h.update(bytes.data(), bytes.size());
    return h.hexDigest();
}

// Runs `body`, expecting a flower::Error whose location is (file, line, field).
template <class F>
bool throwsAt(F&& body, const std::string& file, std::int64_t line, const std::string& field,
              std::string* message = nullptr) {
    try {
        body();
    } catch (const flower::Error& e) {
        if (message) *message = e.what();
        return e.where().file == file && e.where().line == line && e.where().field == field;
    }
    return false;
}

}  // namespace

class TestRawReading : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cleanup() { flower::util::removeTree(scratch()); }
    void plainLines();
    void gzipLines();
    void concatenatedGzipMembers();
    void truncatedGzipIsLocated();
    void longLinesGrowTheChunk();
    void extractsWantedFields();
    void skipsNestedValues();
    void rejectsMalformedJson();
    void metaRecords();
    void reviewErrorsNameFileLineField();
    void lenientModeCounts();
};

void TestRawReading::plainLines() {
    const fs::path f = scratch() / "plain.json";
    const std::string text = "a\nbb\r\n\nlast";
    writePlain(f, text);
    QCOMPARE(readAll(f), (std::vector<std::string>{"a", "bb\r", "", "last"}));
    LineReader reader(f.string());
    std::string_view line;
    while (reader.next(line)) {
    }
    QVERIFY(!reader.gzipped());
    QCOMPARE(reader.lineNumber(), std::int64_t{4});
    QCOMPARE(reader.textBytes(), std::uint64_t{text.size()});
    QCOMPARE(reader.sha256(), sha256Of(text));
    writePlain(scratch() / "empty.json", "");
    QCOMPARE(readAll(scratch() / "empty.json").size(), std::size_t{0});
}

void TestRawReading::gzipLines() {
    std::string text;
    for (int i = 0; i < 50000; ++i) text += "{\"n\": " + std::to_string(i) + "}\n";
    const std::string gz = gzipBytes(text);
    const fs::path f = scratch() / "lines.json.gz";
    writePlain(f, gz);
    const auto lines = readAll(f, 4096);  // many chunks
    QCOMPARE(lines.size(), std::size_t{50000});
    QCOMPARE(lines[0], std::string("{\"n\": 0}"));
    QCOMPARE(lines[49999], std::string("{\"n\": 49999}"));
    LineReader reader(f.string());
    std::string_view line;
    while (reader.next(line)) {
    }
    QVERIFY(reader.gzipped());
    QCOMPARE(reader.textBytes(), std::uint64_t{text.size()});
    QCOMPARE(reader.sha256(), sha256Of(gz));  // of the file as stored
    QCOMPARE(reader.fileSize(), std::uint64_t{gz.size()});
}

void TestRawReading::concatenatedGzipMembers() {
    const fs::path f = scratch() / "two.json.gz";
    writePlain(f, gzipBytes("one\ntw") + gzipBytes("o\nthree\n"));
    QCOMPARE(readAll(f), (std::vector<std::string>{"one", "two", "three"}));
}

void TestRawReading::truncatedGzipIsLocated() {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + " with some padding text\n";
    const std::string gz = gzipBytes(text);
    const fs::path f = scratch() / "cut.json.gz";
    writePlain(f, gz.substr(0, gz.size() / 2));
    LineReader reader(f.string(), 4096);
    std::string_view line;
    std::int64_t complete = 0;
    std::string message;
    bool located = false;
    try {
        while (reader.next(line)) {
            if (std::string(line) != "line " + std::to_string(complete) + " with some padding text") break;
            ++complete;
        }
    } catch (const flower::Error& e) {
        message = e.what();
        located = e.where().file == f.string() && e.where().line == complete + 1;
    }
    // The lines before the cut are all delivered, then the error names the next line.
    QVERIFY2(complete > 1000 && complete < 20000, message.c_str());
    QVERIFY2(located, message.c_str());
    QVERIFY2(message.find("truncated gzip") != std::string::npos, message.c_str());
    // Corrupt bytes in the middle of the stream.
    std::string corrupt = gz;
    for (std::size_t i = 100; i < 200; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5A);
    writePlain(scratch() / "corrupt.json.gz", corrupt);
    QVERIFY_THROWS_EXCEPTION(flower::Error, readAll(scratch() / "corrupt.json.gz"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, LineReader((scratch() / "missing.json").string()));
}

void TestRawReading::longLinesGrowTheChunk() {
    const std::string big(100000, 'x');
    const fs::path f = scratch() / "long.json";
    writePlain(f, "a\n" + big + "\nb\n");
    QCOMPARE(readAll(f, 1024), (std::vector<std::string>{"a", big, "b"}));
    writePlain(scratch() / "long.json.gz", gzipBytes("a\n" + big + "\nb\n"));
    QCOMPARE(readAll(scratch() / "long.json.gz", 1024), (std::vector<std::string>{"a", big, "b"}));
}

void TestRawReading::extractsWantedFields() {
    JsonFields json({"asin", "title", "unixReviewTime", "overall"});
    json.scan(R"( {"overall": 4.5, "asin": "B01", "title": "Caf\u00e9 \"Noir\" \ud83d\ude00 \/ \\", "unixReviewTime": 1352419200} )");
    QCOMPARE(std::string(json.field(0).text()), std::string("B01"));
    QVERIFY(!json.field(0).escaped);
    QCOMPARE(std::string(json.field(1).text()), std::string("Caf\xc3\xa9 \"Noir\" \xf0\x9f\x98\x80 / \\"));
    QVERIFY(json.field(2).kind == JsonField::Kind::Integer);
    QCOMPARE(json.field(2).integer, std::int64_t{1352419200});
    QVERIFY(json.field(3).kind == JsonField::Kind::Float);
    QVERIFY(json.field(3).number == 4.5);
    // Missing members are reported as such; duplicate keys: the last wins (as json.loads).
    json.scan(R"({"asin": "first", "asin": "second", "overall": 5})");
    QCOMPARE(std::string(json.field(0).text()), std::string("second"));
    QVERIFY(json.field(1).kind == JsonField::Kind::Missing);
    QVERIFY(json.field(3).kind == JsonField::Kind::Integer);
    // A wanted member of another type.
    json.scan(R"({"asin": ["B01"], "unixReviewTime": "1352419200"})");
    QVERIFY(json.field(0).kind == JsonField::Kind::Other);
    QVERIFY(json.field(2).kind == JsonField::Kind::String);
}

void TestRawReading::skipsNestedValues() {
    JsonFields json({"asin"});
    json.scan(R"({"details": {"\n  Weight:\n": "1 oz", "a": [1, -2.5e-3, true, false, null, {}, [], [{"b": "}]\"["}]]}, "description": ["<b>x</b>, \"y\\\""], "asin": "B02"})");
    QCOMPARE(std::string(json.field(0).text()), std::string("B02"));
    json.scan("{}");
    QVERIFY(json.field(0).kind == JsonField::Kind::Missing);
}

void TestRawReading::rejectsMalformedJson() {
    JsonFields json({"asin"});
    for (const char* bad : {
             "",                                   // empty
             "{\"asin\": \"B01\"",                 // truncated object
             "{\"asin\": \"B01}",                  // unterminated string
             "{\"asin\" \"B01\"}",                 // missing colon
             "{\"a\": [1, 2}, \"asin\": \"B\"}",   // mismatched bracket
             "{\"a\": tru, \"asin\": \"B\"}",      // bad literal
             "{\"a\": 01, \"asin\": \"B\"}",       // leading zero
             "{\"asin\": \"B01\"} x",              // trailing data
             "{asin: \"B01\"}",                    // unquoted key
             "[\"asin\"]",                         // not an object
             "{\"asin\": \"B\\q\"}",               // invalid escape in a wanted string
             "{\"a\": 1,}",                        // trailing comma
         }) {
        bool threw = false;
        try {
            json.scan(bad);
        } catch (const JsonSyntaxError& e) {
            threw = true;
            QVERIFY(e.column >= 1);
        }
        QVERIFY2(threw, bad);
    }
}

void TestRawReading::metaRecords() {
    const fs::path f = scratch() / "meta_T.json";
    writePlain(f,
               "{\"asin\": \"A\", \"title\": \"Alpha\"}\n"
               "{\"asin\": \"B\"}\n"
               "{\"asin\": \"C\", \"title\": \"<span id=\\\"x\\\">C</span>\"}\n"
               "\n"
               "{\"asin\": \"A\", \"title\": \"Alpha 2\"}\n");
    const MetaTable meta = readMeta(f.string(), true);
    QCOMPARE(meta.asins.size(), std::size_t{3});
    QCOMPARE(meta.records.size(), std::size_t{4});
    QCOMPARE(meta.records[0].item, std::uint32_t{0});
    QCOMPARE(meta.records[3].item, std::uint32_t{0});
    QCOMPARE(meta.titles[meta.records[3].title], std::string("Alpha 2"));
    QVERIFY(meta.records[1].title == MetaRecord::kNoTitle);
    QVERIFY(meta.records[2].title == MetaRecord::kSpan);
    QCOMPARE(meta.hasTitle, (std::vector<std::uint8_t>{1, 0, 0}));
    QCOMPARE(meta.file.lines, std::int64_t{5});
}

void TestRawReading::reviewErrorsNameFileLineField() {
    const fs::path m = scratch() / "meta_T.json";
    writePlain(m, "{\"asin\": \"A\", \"title\": \"Alpha\"}\n");
    const MetaTable meta = readMeta(m.string(), true);
    const std::string good = "{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": 1, \"overall\": 5.0}\n";
    const struct {
        std::string line, field, says;
    } cases[] = {
        {"{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": 1, \"overall\": 5.0\n", "", "malformed JSON"},
        {"{\"reviewerID\": \"U\", \"unixReviewTime\": 1, \"overall\": 5.0}\n", "asin", "missing"},
        {"{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": \"soon\", \"overall\": 5.0}\n", "unixReviewTime", "integer"},
        {"{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": 1.5, \"overall\": 5.0}\n", "unixReviewTime", "integer"},
        {"{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": 1}\n", "overall", "missing"},
        {"{\"reviewerID\": 7, \"asin\": \"A\", \"unixReviewTime\": 1, \"overall\": 5.0}\n", "reviewerID", "string"},
        {"{\"reviewerID\": \"U\xff\", \"asin\": \"A\", \"unixReviewTime\": 1, \"overall\": 5.0}\n", "reviewerID", "UTF-8"},
    };
    for (const auto& c : cases) {
        const fs::path f = scratch() / "T.json";
        writePlain(f, good + good + c.line + good);
        std::string message;
        QVERIFY2(throwsAt([&] { readReviews(f.string(), meta, true); }, f.string(), 3, c.field, &message),
                 message.c_str());
        QVERIFY2(message.find(c.says) != std::string::npos, message.c_str());
    }
}

void TestRawReading::lenientModeCounts() {
    const fs::path m = scratch() / "meta_T.json";
    writePlain(m, "{\"asin\": \"A\", \"title\": \"Alpha\"}\nnot json\n{\"title\": \"no asin\"}\n");
    QVERIFY_THROWS_EXCEPTION(flower::Error, readMeta(m.string(), true));
    const MetaTable meta = readMeta(m.string(), false);
    QCOMPARE(meta.file.bad.malformedJson, std::int64_t{1});
    QCOMPARE(meta.file.bad.missingField, std::int64_t{1});
    QVERIFY(meta.file.bad.first.find("line 2") != std::string::npos);
    const fs::path f = scratch() / "T.json";
    writePlain(f,
               "{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": 1, \"overall\": 5.0}\n"
               "{\"reviewerID\": \"U\", \"asin\": \"A\", \"unixReviewTime\": \"x\", \"overall\": 5.0}\n"
               "{\"reviewerID\": \"U\", \"asin\": \"Z\", \"unixReviewTime\": 2, \"overall\": 4}\n"
               "{\"reviewerID\": \"V\", \"asin\": \"A\", \"unixReviewTime\": 3, \"overall\": 4}\n"
               "{broken\n");
    const ReviewTable t = readReviews(f.string(), meta, false);
    QCOMPARE(t.reviews.size(), std::size_t{2});
    QCOMPARE(t.withoutTitle, std::int64_t{1});  // asin Z has no meta record
    QCOMPARE(t.file.bad.wrongType, std::int64_t{1});
    QCOMPARE(t.file.bad.malformedJson, std::int64_t{1});
    QCOMPARE(t.ratings, (std::vector<std::string>{"5.0", "4"}));  // an int rating stays an int
    QCOMPARE(t.users.size(), std::size_t{2});
}

FLOWER_TEST_MAIN(TestRawReading, plainLines, gzipLines, concatenatedGzipMembers, truncatedGzipIsLocated,
                 longLinesGrowTheChunk, extractsWantedFields, skipsNestedValues, rejectsMalformedJson,
                 metaRecords, reviewErrorsNameFileLineField, lenientModeCounts)
#ifdef FLOWER_TEST_QT
#include "test_raw_reading.moc"
#endif
