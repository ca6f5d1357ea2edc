// PredictionsFile: the reference's layout read and written back, and every malformed input
// rejected with a message naming the file, the entry and the field.
#include "core/eval/predictions_file.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <filesystem>

using flower::eval::Prediction;
using flower::eval::PredictionsFile;

namespace {

// The message of the flower::Error that parsing `text` throws ("" when it does not throw).
std::string errorOf(const std::string& text, std::size_t expectedLength = 0) {
    try {
        (void)PredictionsFile::parse(text, "preds.json", expectedLength);
    } catch (const flower::Error& e) {
        return e.what();
    }
    return "";
}

bool mentions(const std::string& message, std::initializer_list<const char*> parts) {
    for (const char* p : parts) {
        if (message.find(p) == std::string::npos) return false;
    }
    return true;
}

}  // namespace

class TestPredictionsFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTheReferenceLayout();
    void writesAndReadsBack();
    void rejectsMalformedEntries();
};

void TestPredictionsFile::readsTheReferenceLayout() {
    const auto p = PredictionsFile::parse(
        R"([{"input": "p", "output": "Heat\n", "predict": ["A", "B"], "predict_score": [-1.5, -2]},
            {"output": ["\"Heat\""], "predict": ["C", "D"]}])",
        "preds.json");
    QCOMPARE(p.size(), std::size_t{2});
    QCOMPARE(p.listLength(), std::size_t{2});
    QCOMPARE(p.rows()[0].input, std::string("p"));
    QCOMPARE(p.rows()[0].output, std::string("Heat\n"));
    QVERIFY(!p.rows()[0].outputIsList);
    QVERIFY(p.rows()[0].predictScore == (std::vector<double>{-1.5, -2.0}));
    QVERIFY(p.rows()[1].outputIsList);
    QCOMPARE(p.rows()[1].output, std::string("\"Heat\""));
    QVERIFY(p.rows()[1].predictScore.empty());
}

void TestPredictionsFile::writesAndReadsBack() {
    flower::test::TempDir dir("preds");
    const PredictionsFile p({{"prompt", "X\n", false, {"A", "B", "C"}, {-0.5, -1.0, -2.25}},
                             {"", "Y", true, {"C", "B", "A"}, {}}});
    const auto path = dir.path() / "out.json";
    p.write(path);
    QVERIFY(!std::filesystem::exists(path.string() + ".tmp"));
    const auto back = PredictionsFile::read(path, 3);
    QCOMPARE(back.size(), std::size_t{2});
    for (std::size_t i = 0; i < 2; ++i) {
        QCOMPARE(back.rows()[i].input, p.rows()[i].input);
        QCOMPARE(back.rows()[i].output, p.rows()[i].output);
        QVERIFY(back.rows()[i].outputIsList == p.rows()[i].outputIsList);
        QVERIFY(back.rows()[i].predict == p.rows()[i].predict);
        QVERIFY(back.rows()[i].predictScore == p.rows()[i].predictScore);
    }
    // A folder that does not exist: an error, and nothing left behind.
    QVERIFY_THROWS_EXCEPTION(flower::Error, p.write(dir.path() / "missing" / "out.json"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, PredictionsFile::read(dir.path() / "none.json"));
}

void TestPredictionsFile::rejectsMalformedEntries() {
    const std::string ok = R"({"output": "A", "predict": ["A", "B"]})";
    QVERIFY(mentions(errorOf("[" + ok + ","), {"preds.json", "not valid JSON"}));
    QVERIFY(mentions(errorOf(ok), {"preds.json", "expected a list of entries"}));
    QVERIFY(mentions(errorOf("[]"), {"preds.json", "empty"}));
    QVERIFY(mentions(errorOf("[" + ok + ", 3]"), {"preds.json", "entry 1", "expected an object"}));
    QVERIFY(mentions(errorOf("[" + ok + R"(, {"predict": ["A", "B"]}])"),
                     {"preds.json", "\"output\" of entry 1", "missing"}));
    QVERIFY(mentions(errorOf("[" + ok + R"(, {"output": 7, "predict": ["A", "B"]}])"),
                     {"\"output\" of entry 1", "expected a string, got number"}));
    QVERIFY(mentions(errorOf("[" + ok + R"(, {"output": [], "predict": ["A", "B"]}])"),
                     {"\"output\" of entry 1", "non-empty list"}));
    QVERIFY(mentions(errorOf("[" + ok + R"(, {"output": "A"}])"),
                     {"\"predict\" of entry 1", "missing"}));
    QVERIFY(mentions(errorOf("[" + ok + R"(, {"output": "A", "predict": "A"}])"),
                     {"\"predict\" of entry 1", "expected a list of titles"}));
    QVERIFY(mentions(errorOf("[" + ok + R"(, {"output": "A", "predict": []}])"),
                     {"\"predict\" of entry 1", "non-empty"}));
    // The wrong length: against entry 0, or against the length asked for.
    QVERIFY(mentions(errorOf("[" + ok + "," + ok + R"(, {"output": "A", "predict": ["A"]}])"),
                     {"preds.json", "\"predict\" of entry 2", "expected 2 titles", "got 1"}));
    QVERIFY(mentions(errorOf("[" + ok + "]", 10),
                     {"\"predict\" of entry 0", "expected 10 titles (as asked), got 2"}));
    QVERIFY(mentions(errorOf(R"([{"output": "A", "predict": ["A", 5]}])"),
                     {"\"predict\" of entry 0", "element 1", "got number"}));
    QVERIFY(mentions(errorOf(R"([{"output": "A", "predict": ["A", "B"], "predict_score": [1]}])"),
                     {"\"predict_score\" of entry 0", "list of 2 numbers", "got 1 elements"}));
    QVERIFY(mentions(errorOf(R"([{"output": "A", "predict": ["A", "B"], "predict_score": [1, "x"]}])"),
                     {"\"predict_score\" of entry 0", "element 1", "expected a number"}));
    QVERIFY(mentions(errorOf(R"([{"input": 1, "output": "A", "predict": ["A", "B"]}])"),
                     {"\"input\" of entry 0", "expected a string"}));
}

FLOWER_TEST_MAIN(TestPredictionsFile, readsTheReferenceLayout, writesAndReadsBack,
                 rejectsMalformedEntries)
#ifdef FLOWER_TEST_QT
#include "test_predictions_file.moc"
#endif
