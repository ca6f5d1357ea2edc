// Dataset folders: both layouts, title → id mapping, writing and reading back, and one test
// per kind of bad input (each error must name the file, line and field).
#include "core/data/dataset.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

using namespace flower::data;
using flower::test::TempDir;

namespace {

const char* kItems = "Star Quest\t0\nStar Quest II\t1\nAmélie\t2\nStar Quest\t3\nB's, \"C\"\t4\n";
const char* kTrain =
    "history_item_title,item_title\n"
    "\"['Star Quest', 'Amélie']\",Star Quest II\n"
    "\"[\"\"B's, \\\"\"C\\\"\"\"\"]\",Amélie\n";  // the list ["B's, \"C\""] in CSV quoting
const char* kValid = "history_item_title,item_title\n['Amélie'],Star Quest\n";
const char* kTest = "history_item_title,item_title\n['Star Quest II'],\"B's, \"\"C\"\"\"\n";

// A good four-file folder whose `file` is replaced by `content` (when given).
void writeFolder(const TempDir& dir, const std::string& file = "", const std::string& content = "") {
    dir.write("items.tsv", file == "items.tsv" ? content : kItems);
    dir.write("train.csv", file == "train.csv" ? content : kTrain);
    dir.write("valid.csv", file == "valid.csv" ? content : kValid);
    dir.write("test.csv", file == "test.csv" ? content : kTest);
}

// The error loading `dir` throws; fails the test when there is none.
flower::Error loadError(const std::filesystem::path& dir) {
    try {
        loadDataset(dir);
    } catch (const flower::Error& e) {
        return e;
    }
    return flower::Error("<no error>");
}

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

class TestDataset : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTitleOnlyFolder();
    void mapsRepeatedTitleToSmallestId();
    void readsFlowerLayoutByCategory();
    void rejectsAmbiguousOrUnknownCategory();
    void writesAndReadsBack();
    void errorMissingFile();
    void errorMissingColumn();
    void errorMalformedListLiteral();
    void errorUnknownTitleInHistory();
    void errorEmptySplit();
    void errorInvalidUtf8();
    void errorIdDisagreesWithTitle();
    void errorHistoryLengthsDiffer();
    void errorBadItemsFile();
};

void TestDataset::readsTitleOnlyFolder() {
    TempDir dir("ds");
    writeFolder(dir);
    const Dataset d = loadDataset(dir.path());
    QCOMPARE(d.catalog.size(), std::size_t{5});
    QCOMPARE(d.train.size(), std::size_t{2});
    QCOMPARE(d.train.rows()[0].history, (std::vector<ItemId>{0, 2}));
    QCOMPARE(d.train.rows()[0].target, ItemId{1});
    QCOMPARE(d.train.rows()[1].history, std::vector<ItemId>{4});
    QCOMPARE(d.catalog.title(4), std::string("B's, \"C\""));
    QCOMPARE(d.test.rows()[0].target, ItemId{4});
    QVERIFY(!d.train.hasUsers() && !d.train.hasRatings() && !d.train.hasTimestamps());
}

void TestDataset::mapsRepeatedTitleToSmallestId() {
    TempDir dir("ds");
    writeFolder(dir);
    const Dataset d = loadDataset(dir.path());
    QCOMPARE(d.catalog.idsOfTitle("Star Quest"), (std::vector<ItemId>{0, 3}));
    QCOMPARE(d.valid.rows()[0].target, ItemId{0});
    QCOMPARE(d.catalog.distinctTitles(), std::size_t{4});
}

void TestDataset::readsFlowerLayoutByCategory() {
    TempDir dir("flower");
    for (const std::string cat : {"Movies_and_TV", "Video_Games"}) {
        const std::string stem = cat + "_5_2017-10-2018-11";
        dir.write("info/" + stem + ".txt", kItems);
        dir.write("info/" + cat + "_group_title_8_2017-10-2018-11.json", "{}");  // not a dataset
        dir.write("train/" + stem + ".csv", kTrain);
        dir.write("valid/" + stem + ".csv", kValid);
        dir.write("test/" + stem + ".csv", cat == "Video_Games" ? kValid : kTest);
    }
    const Dataset movies = loadDataset(dir.path(), "Movies_and_TV");
    QCOMPARE(movies.test.rows()[0].target, ItemId{4});
    const Dataset games = loadDataset(dir.path(), "Video_Games");
    QCOMPARE(games.test.rows()[0].target, ItemId{0});
    QVERIFY(endsWith(locateDataset(dir.path(), "Video_Games").items.string(),
                     "info/Video_Games_5_2017-10-2018-11.txt"));
}

void TestDataset::rejectsAmbiguousOrUnknownCategory() {
    TempDir dir("flower");
    for (const std::string cat : {"A", "B"}) {
        dir.write("info/" + cat + "_5_x.txt", kItems);
        dir.write("train/" + cat + "_5_x.csv", kTrain);
        dir.write("valid/" + cat + "_5_x.csv", kValid);
        dir.write("test/" + cat + "_5_x.csv", kTest);
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, loadDataset(dir.path()));  // which one?
    try {
        loadDataset(dir.path(), "C");
        QFAIL("no error for an unknown category");
    } catch (const flower::Error& e) {
        QCOMPARE(e.where().field, std::string("category"));
        QVERIFY2(std::string(e.what()).find("found: A, B") != std::string::npos, e.what());
    }
    const std::string several = loadError(dir.path()).what();
    QVERIFY2(several.find("several datasets match (A_5_x, B_5_x)") != std::string::npos,
             several.c_str());
    std::filesystem::remove(dir.path() / "test" / "B_5_x.csv");
    QVERIFY_THROWS_EXCEPTION(flower::Error, loadDataset(dir.path(), "B"));  // test file gone
    QCOMPARE(loadDataset(dir.path(), "A").train.size(), std::size_t{2});
}

void TestDataset::writesAndReadsBack() {
    TempDir dir("ds");
    Catalog catalog({"Star Quest", "It's \"quoted\", really", "Amélie", "Star Quest"});
    InteractionRow row;
    row.history = {3, 1};
    row.target = 2;
    row.user = "U1";
    row.historyRatings = {5.0, 3.5};
    row.rating = 4.0;
    row.historyTimestamps = {100, 200};
    row.timestamp = 300;
    Dataset d{catalog, InteractionSplit("train", {row}), InteractionSplit("valid", {row}),
              InteractionSplit("test", {row})};
    writeDataset(d, dir.path());
    const Dataset back = loadDataset(dir.path());
    QCOMPARE(back.catalog.titles(), catalog.titles());
    const InteractionRow& r = back.test.rows()[0];
    QCOMPARE(r.history, row.history);  // ids kept: id 3, not the first "Star Quest"
    QCOMPARE(r.target, row.target);
    QCOMPARE(r.user, row.user);
    QCOMPARE(r.historyRatings, row.historyRatings);
    QCOMPARE(*r.rating, *row.rating);
    QCOMPARE(r.historyTimestamps, row.historyTimestamps);
    QCOMPARE(*r.timestamp, *row.timestamp);
    QCOMPARE(r.line, std::int64_t{2});
}

void TestDataset::errorMissingFile() {
    TempDir dir("ds");
    writeFolder(dir);
    std::filesystem::remove(dir.path() / "valid.csv");
    const flower::Error e = loadError(dir.path());
    QVERIFY2(endsWith(e.where().file, "valid.csv"), e.what());
    QVERIFY2(std::string(e.what()).find("not found") != std::string::npos, e.what());
    QVERIFY_THROWS_EXCEPTION(flower::Error, loadDataset(dir.path() / "no-such-folder"));
}

void TestDataset::errorMissingColumn() {
    TempDir dir("ds");
    writeFolder(dir, "train.csv", "history_item_title,title\n['Amélie'],Amélie\n");
    const flower::Error e = loadError(dir.path());
    QVERIFY2(endsWith(e.where().file, "train.csv"), e.what());
    QCOMPARE(e.where().field, std::string("item_title"));
}

void TestDataset::errorMalformedListLiteral() {
    TempDir dir("ds");
    writeFolder(dir, "valid.csv",
                "history_item_title,item_title\n['Amélie'],Star Quest\n\"['Amélie', 'x]\",Amélie\n");
    const flower::Error e = loadError(dir.path());
    QVERIFY2(endsWith(e.where().file, "valid.csv"), e.what());
    QCOMPARE(e.where().line, std::int64_t{3});
    QCOMPARE(e.where().field, std::string("history_item_title"));
    QVERIFY2(e.detail().find("expected") != std::string::npos, e.what());
}

void TestDataset::errorUnknownTitleInHistory() {
    TempDir dir("ds");
    // The bad record starts on line 3 and spans two lines.
    writeFolder(dir, "test.csv",
                "history_item_title,item_title\n['Amélie'],Amélie\n\"['Star Quest',\n"
                " 'Star Quest III']\",Amélie\n");
    const flower::Error e = loadError(dir.path());
    QVERIFY2(endsWith(e.where().file, "test.csv"), e.what());
    QCOMPARE(e.where().line, std::int64_t{3});
    QCOMPARE(e.where().field, std::string("history_item_title"));
    QVERIFY2(e.detail().find("'Star Quest III'") != std::string::npos, e.what());
}

void TestDataset::errorEmptySplit() {
    TempDir dir("ds");
    writeFolder(dir, "valid.csv", "history_item_title,item_title\n");
    const flower::Error e = loadError(dir.path());
    QVERIFY2(endsWith(e.where().file, "valid.csv"), e.what());
    QVERIFY2(e.detail().find("empty split") != std::string::npos, e.what());
}

void TestDataset::errorInvalidUtf8() {
    TempDir dir("ds");
    writeFolder(dir, "train.csv", "history_item_title,item_title\n['Am\xE9lie'],Amélie\n");
    const flower::Error e = loadError(dir.path());
    QVERIFY2(endsWith(e.where().file, "train.csv"), e.what());
    QCOMPARE(e.where().line, std::int64_t{2});
    QCOMPARE(e.where().field, std::string("history_item_title"));
    QVERIFY2(e.detail().find("UTF-8") != std::string::npos, e.what());

    TempDir dir2("ds");
    writeFolder(dir2, "items.tsv", "Star Quest\t0\nAm\xE9lie\t1\n");
    const flower::Error e2 = loadError(dir2.path());
    QVERIFY2(endsWith(e2.where().file, "items.tsv"), e2.what());
    QCOMPARE(e2.where().line, std::int64_t{2});
}

void TestDataset::errorIdDisagreesWithTitle() {
    TempDir dir("ds");
    writeFolder(dir, "train.csv",
                "history_item_id,item_id,history_item_title,item_title\n"
                "[0],1,['Star Quest'],Star Quest II\n"
                "\"[0, 1]\",2,\"['Star Quest', 'Amélie']\",Amélie\n");
    const flower::Error e = loadError(dir.path());
    QCOMPARE(e.where().line, std::int64_t{3});
    QCOMPARE(e.where().field, std::string("history_item_title"));
    QVERIFY2(e.detail().find("'Star Quest II'") != std::string::npos, e.what());

    TempDir dir2("ds");
    writeFolder(dir2, "train.csv",
                "history_item_id,item_id,history_item_title,item_title\n[0],9,['Star Quest'],Amélie\n");
    const flower::Error e2 = loadError(dir2.path());
    QCOMPARE(e2.where().field, std::string("item_title"));
    QVERIFY2(e2.detail().find("not in the catalog") != std::string::npos, e2.what());
}

void TestDataset::errorHistoryLengthsDiffer() {
    TempDir dir("ds");
    writeFolder(dir, "train.csv",
                "history_item_id,item_id,history_item_title,item_title\n"
                "\"[0, 2]\",1,['Star Quest'],Star Quest II\n");
    const flower::Error e = loadError(dir.path());
    QCOMPARE(e.where().line, std::int64_t{2});
    QCOMPARE(e.where().field, std::string("history_item_id"));
}

void TestDataset::errorBadItemsFile() {
    const std::vector<std::pair<std::string, std::int64_t>> cases = {
        {"A\t0\nB\t0\n", 2},        // id used twice
        {"A\t0\nB\t2\n", 2},        // gap: ids must be 0..N-1
        {"A\t0\nB 1\n", 2},         // no tab
        {"A\t0\nB\tx\n", 2},        // not an integer
        {"A\t0\n\nB\t1\n", 2},      // blank line inside
        {"A\t0\n\t1\n", 2},         // empty title
    };
    for (const auto& [content, line] : cases) {
        TempDir dir("ds");
        writeFolder(dir, "items.tsv", content);
        const flower::Error e = loadError(dir.path());
        QVERIFY2(endsWith(e.where().file, "items.tsv"), e.what());
        QVERIFY2(e.where().line == line, e.what());
    }
    TempDir dir("ds");
    writeFolder(dir, "items.tsv", "");
    QVERIFY2(endsWith(loadError(dir.path()).where().file, "items.tsv"), loadError(dir.path()).what());
}

FLOWER_TEST_MAIN(TestDataset, readsTitleOnlyFolder, mapsRepeatedTitleToSmallestId,
                 readsFlowerLayoutByCategory, rejectsAmbiguousOrUnknownCategory,
                 writesAndReadsBack, errorMissingFile, errorMissingColumn,
                 errorMalformedListLiteral, errorUnknownTitleInHistory, errorEmptySplit,
                 errorInvalidUtf8, errorIdDisagreesWithTitle, errorHistoryLengthsDiffer,
                 errorBadItemsFile)
#ifdef FLOWER_TEST_QT
#include "test_dataset.moc"
#endif
