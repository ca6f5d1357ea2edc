// `flower config --resolve`, `flower runs`, `flower show` and `flower export`, run as a user
// would, against experiments/ and a store made here.
#include "core/run/experiment_config.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/table_builder.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"
#include "tests/support/process.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

using flower::test::runProcess;
using namespace flower::store;
namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string& name) { return flower::test::freshFolder(name); }

// Two finished runs with a loss series and final test metrics.
fs::path makeStore(const fs::path& dir) {
    const fs::path file = dir / "runs.sqlite";
    RunStore store(file);
    for (const auto& [name, method, ndcg] :
         {std::tuple{"sft-demo", "sft", 0.02}, std::tuple{"flower-demo", "flower", 0.03}}) {
        const auto id = store.createRun(NewRun{name, "{}", method, "Movies_and_TV", 0, "cpu"});
        RunWriter writer(file, id);
        writer.scalar("loss/sft", 0, 3.0);
        writer.scalar("loss/sft", 1, 2.5);
        writer.evaluation("test", "ndcg", 5, 1, ndcg);
        writer.finish(RunStatus::Finished);
    }
    return file;
}

std::string readFile(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

class TestCliStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resolvesExperimentFile();
    void resolveReportsBadValue();
    void listsRuns();
    void showsRun();
    void exportsPaperTable();
    void exportsJson();
    void missingStoreIsAnError();
    void badRunListIsAnError();
};

void TestCliStore::resolvesExperimentFile() {
    const auto r = runProcess({FLOWER_CLI_PATH, "config", "--resolve",
                               std::string(FLOWER_EXPERIMENTS_DIR) + "/rq4-lambda-0.95.json",
                               "--set", "seed=5", "--set", "optimizer.lr=0.001"});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j.at("name").get<std::string>(), std::string("rq4-lambda-0.95"));
    QCOMPARE(j.at("dataset").get<std::string>(), std::string("CDs_and_Vinyl"));
    QCOMPARE(j.at("lambda").get<double>(), (1 - 0.95) / 0.95);
    QCOMPARE(j.at("seed").get<int>(), 5);
    QCOMPARE(j.at("optimizer").at("lr").get<double>(), 0.001);
    // What it prints is itself a valid config.
    QCOMPARE(flower::run::ExperimentConfig::fromJson(j).toJson().dump(), j.dump());
}

void TestCliStore::resolveReportsBadValue() {
    const fs::path dir = freshDir("bad");
    std::ofstream(dir / "rq2.json") << R"({"method": "flowr"})";
    const auto r = runProcess({FLOWER_CLI_PATH, "config", "--resolve", (dir / "rq2.json").string()});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, "flower: error: " + (dir / "rq2.json").string() +
                        ", field method: \"flowr\" is not one of sft, flower, sft_temperature, "
                        "ifairlrs\n");
}

void TestCliStore::listsRuns() {
    const fs::path file = makeStore(freshDir("runs"));
    const auto r = runProcess({FLOWER_CLI_PATH, "runs", "--db", file.string()});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.find("sft-demo") != std::string::npos, r.out.c_str());
    QVERIFY2(r.out.find("flower-demo") != std::string::npos, r.out.c_str());
    QVERIFY2(r.out.find("finished") != std::string::npos, r.out.c_str());
    // Without --db, FLOWER_RUNS_DB names the store.
    const auto env = runProcess({FLOWER_CLI_PATH, "runs"}, {{"FLOWER_RUNS_DB", file.string()}});
    QCOMPARE(env.out, r.out);
}

void TestCliStore::showsRun() {
    const fs::path file = makeStore(freshDir("show"));
    const auto r = runProcess({FLOWER_CLI_PATH, "show", "2", "--db", file.string()});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.rfind("run 2: flower-demo\n", 0) == 0, r.out.c_str());
    QVERIFY2(r.out.find("loss/sft") != std::string::npos, r.out.c_str());
    QVERIFY2(r.out.find("1: 2.5") != std::string::npos, r.out.c_str());
    QVERIFY2(r.out.find("ndcg@5 0.030000") != std::string::npos, r.out.c_str());
    const auto missing = runProcess({FLOWER_CLI_PATH, "show", "9", "--db", file.string()});
    QCOMPARE(missing.exitCode, 1);
    QCOMPARE(missing.err, "flower: error: " + file.string() + ": no run with id 9\n");
}

void TestCliStore::exportsPaperTable() {
    const fs::path dir = freshDir("export");
    const fs::path file = makeStore(dir);
    for (const std::string format : {"csv", "md", "latex"}) {
        const fs::path out = dir / ("table." + format);
        const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1-2", "--format", format,
                                   "--table", "paper", "--out", out.string(), "--db",
                                   file.string()});
        QCOMPARE(r.exitCode, 0);
        RunStore store(file);
        const auto table = paperTable(store, {1, 2});
        const std::string expected = format == "csv" ? table.toCsv()
                                     : format == "md" ? table.toMarkdown()
                                                      : table.toLatex();
        QCOMPARE(readFile(out), expected);
    }
}

void TestCliStore::exportsJson() {
    const fs::path dir = freshDir("json");
    const fs::path file = makeStore(dir);
    const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1", "--format", "json",
                               "--out", "-", "--db", file.string()});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j.at("run").at("name").get<std::string>(), std::string("sft-demo"));
    QCOMPARE(j.at("series").at("loss/sft").at("value").dump(), std::string("[3.0,2.5]"));
}

void TestCliStore::missingStoreIsAnError() {
    const fs::path dir = freshDir("missing");
    const auto r = runProcess({FLOWER_CLI_PATH, "runs", "--db", (dir / "none.sqlite").string()});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, "flower: error: " + (dir / "none.sqlite").string() +
                        ": no run store here (the file does not exist)\n");
    QVERIFY(!fs::exists(dir / "none.sqlite"));
}

void TestCliStore::badRunListIsAnError() {
    const fs::path file = makeStore(freshDir("ids"));
    const auto r = runProcess({FLOWER_CLI_PATH, "export", "--runs", "1,x", "--format", "md",
                               "--out", "-", "--db", file.string()});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, std::string("flower: error: --runs: \"x\" is not a run id or a range such as "
                                "5-8 (expected e.g. --runs 1,3,5-8)\n"));
}

FLOWER_TEST_MAIN(TestCliStore, resolvesExperimentFile, resolveReportsBadValue, listsRuns,
                 showsRun, exportsPaperTable, exportsJson, missingStoreIsAnError,
                 badRunListIsAnError)
#ifdef FLOWER_TEST_QT
#include "test_cli_store.moc"
#endif
