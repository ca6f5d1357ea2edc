// `flower metrics` end to end: hand-computed values on a tiny dataset, every value of the
// Movies golden (metrics-golden-movies) within 1e-6, and bad input — exit 1 with a message
// naming the file and the entry.
#include "tests/core/eval/golden_compare.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using flower::test::runProcess;

namespace {

// Eight titles T0 … T7, each in the training histories (T0 most often): 8 groups of one.
void writeTinyDataset(flower::test::TempDir& dir) {
    // append() throughout: GCC 12 warns falsely (-Wrestrict) on `"T" + std::to_string(i)`.
    std::string items, train = "history_item_title,item_title\n";
    for (int i = 0; i < 8; ++i) {
        const std::string n = std::to_string(i);
        items.append("T").append(n).append("\t").append(n).append("\n");
        train.append("\"[");
        for (int j = 0; j <= 7 - i; ++j) train.append(j ? ", 'T" : "'T").append(n).append("'");
        train.append("]\",T0\n");
    }
    dir.write("items.tsv", items);
    dir.write("train.csv", train);
    dir.write("valid.csv", "history_item_title,item_title\n['T1'],T0\n");
    dir.write("test.csv", "history_item_title,item_title\n['T1'],T0\n");
}

}  // namespace

class TestCliEval : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void metricsOnATinyDataset();
    void metricsReproduceTheMoviesGolden();
    void badInputExitsOneNamingFileAndEntry();
};

// Rows: target T1 at rank 2 (0-based 1), target T0 absent → HR@1 0, HR@2 1/2,
// NDCG@2 = (1/log2 3)/2. The word "Nope" is out of the catalogue: CC 1.
void TestCliEval::metricsOnATinyDataset() {
    flower::test::TempDir dir("cli-metrics");
    writeTinyDataset(dir);
    const auto preds = dir.write("preds.json", R"([{"output": "T1\n", "predict": ["T0", "T1"]},
                                                   {"output": "T0\n", "predict": ["T2", "Nope"]}])");
    const auto r = runProcess({FLOWER_CLI_PATH, "metrics", "--dataset", dir.path().string(),
                               "--predictions", preds.string(), "--k", "1,2"});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QVERIFY(j.at("K") == nlohmann::json::array({1, 2}));
    QCOMPARE(j.at("HR")[0].get<double>(), 0.0);
    QCOMPARE(j.at("HR")[1].get<double>(), 0.5);
    QVERIFY(std::abs(j.at("NDCG")[1].get<double>() - 0.5 / std::log2(3.0)) < 1e-12);
    QCOMPARE(j.at("CC").get<int>(), 1);
    QCOMPARE(j.at("distinct_titles").get<int>(), 4);
    QCOMPARE(j.at("group_share_training_histories").size(), std::size_t{8});
    QVERIFY(j.contains("DGU@2") && j.contains("gini@1") && j.contains("tail_share@2"));
}

void TestCliEval::metricsReproduceTheMoviesGolden() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto dir = shared / "fixtures" / "metrics-golden-movies";
    const auto r = runProcess({FLOWER_CLI_PATH, "metrics", "--dataset",
                               (shared / "data" / "Movies_and_TV").string(), "--predictions",
                               (dir / "predictions.json").string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    nlohmann::json golden;
    std::ifstream(dir / "metrics.json") >> golden;
    const std::string mismatch = flower::test::compareToGolden(golden, nlohmann::json::parse(r.out), 1e-6);
    QVERIFY2(mismatch.empty(), mismatch.c_str());
}

void TestCliEval::badInputExitsOneNamingFileAndEntry() {
    flower::test::TempDir dir("cli-metrics");
    writeTinyDataset(dir);
    const auto run = [&](const std::string& name, const std::string& text,
                         std::vector<std::string> extra = {}) {
        const auto file = dir.write(name, text);
        std::vector<std::string> argv = {FLOWER_CLI_PATH, "metrics", "--dataset",
                                         dir.path().string(), "--predictions", file.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return runProcess(argv);
    };
    const auto shortList = run("short.json", R"([{"output": "T1", "predict": ["T0", "T1"]},
                                                 {"output": "T1", "predict": ["T0"]}])");
    QCOMPARE(shortList.exitCode, 1);
    QVERIFY2(shortList.err.find("short.json, field \"predict\" of entry 1: expected 2 titles") !=
                 std::string::npos,
             shortList.err.c_str());
    QVERIFY(shortList.out.empty());
    const auto noOutput = run("nooutput.json", R"([{"predict": ["T0"]}])");
    QCOMPARE(noOutput.exitCode, 1);
    QVERIFY2(noOutput.err.find("nooutput.json, field \"output\" of entry 0") != std::string::npos,
             noOutput.err.c_str());
    const auto broken = run("broken.json", "[{\"output\": ");
    QCOMPARE(broken.exitCode, 1);
    QVERIFY2(broken.err.find("broken.json") != std::string::npos, broken.err.c_str());
    const auto quirk = run("ok.json", R"([{"output": "T1", "predict": ["T0"]}])",
                           {"--quirks", "group_num"});
    QCOMPARE(quirk.exitCode, 1);
    QVERIFY2(quirk.err.find("group7_assign") != std::string::npos, quirk.err.c_str());
    const auto badK = run("ok.json", R"([{"output": "T1", "predict": ["T0"]}])", {"--k", "0"});
    QVERIFY(badK.exitCode != 0);
}

FLOWER_TEST_MAIN(TestCliEval, metricsOnATinyDataset, metricsReproduceTheMoviesGolden,
                 badInputExitsOneNamingFileAndEntry)
#ifdef FLOWER_TEST_QT
#include "test_cli_eval.moc"
#endif
