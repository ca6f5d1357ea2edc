// Exports across runs (paper Table 4 layout and the runs table) in CSV, Markdown and LaTeX,
// compared with files written by hand in expected/ (values chosen so that means, sample
// standard deviations, ties and lower-is-better columns can be checked on paper), and the JSON
// export of a whole run.
#include "core/store/result_table.h"
#include "core/store/run_json_export.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/table_builder.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace flower::store;
namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Result {
    double ndcg5, hr5, dgu10, mgu10, entropy, ttr;
};

std::int64_t addRun(RunStore& store, const std::string& name, const std::string& method,
                    const std::string& dataset, std::int64_t seed, const Result& r,
                    double lambda = 0.001) {
    const nlohmann::json config = {{"name", name}, {"method", method}, {"dataset", dataset},
                                   {"seed", seed}, {"lambda", lambda}};
    const auto id = store.createRun(NewRun{name, config.dump(), method, dataset, seed, "cpu"});
    RunWriter writer(store.file(), id);
    // An earlier evaluation and a validation one: the tables must use the final test values.
    writer.evaluation("test", "ndcg", 5, 10, 0.9);
    writer.evaluation("valid", "ndcg", 5, 20, 0.8);
    writer.evaluation("test", "ndcg", 5, 20, r.ndcg5);
    writer.evaluation("test", "hr", 5, 20, r.hr5);
    writer.evaluation("test", "dgu", 10, 20, r.dgu10);
    writer.evaluation("test", "mgu", 10, 20, r.mgu10);
    writer.evaluation("test", "entropy", 0, 20, r.entropy);
    writer.evaluation("test", "ttr", 0, 20, r.ttr);
    writer.finish(RunStatus::Finished);
    return id;
}

// Six runs: three methods, two datasets, Flower with two seeds on Movies, IFairLRS on Movies only.
std::vector<std::int64_t> fillStore(RunStore& store) {
    return {
        addRun(store, "sft-movies", "sft", "Movies_and_TV", 0, {0.030, 0.050, 0.9, 0.10, 8.0, 0.20}),
        addRun(store, "ifair-movies", "ifairlrs", "/data/Movies_and_TV", 0,
               {0.025, 0.045, 0.5, 0.08, 8.5, 0.30}),
        addRun(store, "flower-movies-s0", "flower", "Movies_and_TV", 0,
               {0.032, 0.054, 0.4, 0.05, 9.0, 0.40}),
        addRun(store, "flower-movies-s1", "flower", "Movies_and_TV", 1,
               {0.034, 0.056, 0.6, 0.07, 9.2, 0.50}),
        addRun(store, "sft-cds", "sft", "CDs_and_Vinyl", 0, {0.040, 0.060, 0.8, 0.09, 7.0, 0.15}),
        addRun(store, "flower-cds", "flower", "CDs_and_Vinyl", 0,
               {0.038, 0.065, 0.7, 0.08, 7.5, 0.25}),
    };
}

fs::path freshDb(const std::string& name) {
    return flower::test::freshFolder(name) / "runs.sqlite";
}

}  // namespace

class TestStoreExporters : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void paperTableMarkdown();
    void paperTableLatex();
    void paperTableCsv();
    void runsTableMarkdown();
    void differentConfigsInOneCellAreAnError();
    void cellStatistics();
    void runJsonHoldsEverything();
};

void TestStoreExporters::paperTableMarkdown() {
    RunStore store(freshDb("md"));
    const auto table = paperTable(store, fillStore(store));
    QCOMPARE(table.toMarkdown(), readFile(fs::path(FLOWER_EXPECTED_DIR) / "paper_table.md"));
}

void TestStoreExporters::paperTableLatex() {
    RunStore store(freshDb("tex"));
    const auto table = paperTable(store, fillStore(store));
    QCOMPARE(table.toLatex(), readFile(fs::path(FLOWER_EXPECTED_DIR) / "paper_table.tex"));
}

void TestStoreExporters::paperTableCsv() {
    RunStore store(freshDb("csv"));
    const auto table = paperTable(store, fillStore(store));
    QCOMPARE(table.toCsv(), readFile(fs::path(FLOWER_EXPECTED_DIR) / "paper_table.csv"));
}

void TestStoreExporters::runsTableMarkdown() {
    RunStore store(freshDb("runs"));
    const auto ids = fillStore(store);
    const auto table = runsTable(store, {ids[0], ids[2]});
    QCOMPARE(table.toMarkdown(), readFile(fs::path(FLOWER_EXPECTED_DIR) / "runs_table.md"));
}

void TestStoreExporters::differentConfigsInOneCellAreAnError() {
    const fs::path file = freshDb("ambiguous");
    RunStore store(file);
    const auto a = addRun(store, "f1", "flower", "Movies_and_TV", 0, {0, 0, 0, 0, 0, 0}, 0.001);
    const auto b = addRun(store, "f2", "flower", "Movies_and_TV", 1, {0, 0, 0, 0, 0, 0}, 0.01);
    try {
        paperTable(store, {a, b});
        QFAIL("two configs of Flower on one dataset were merged");
    } catch (const flower::Error& e) {
        QCOMPARE(std::string(e.what()),
                 file.string() + ": runs 1 and 2 both give Flower on Movies_and_TV but their "
                                 "configs differ in more than the seed; export them separately "
                                 "(or use the runs table)");
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, paperTable(store, {a, 99}));
}

void TestStoreExporters::cellStatistics() {
    const TableCell cell{{1.0, 2.0, 6.0}};
    QCOMPARE(cell.mean(), 3.0);
    QCOMPARE(cell.stddev(), std::sqrt(7.0));  // ((4 + 1 + 9) / 2)^½
    QCOMPARE(TableCell{{5.0}}.stddev(), 0.0);
}

void TestStoreExporters::runJsonHoldsEverything() {
    const fs::path file = freshDb("json");
    RunStore store(file);
    const auto id = store.createRun(NewRun{"j", R"({"method":"flower","seed":3})", "flower",
                                           "synthetic:items=4", 3, "cpu"});
    store.addTag(id, "demo");
    {
        RunWriter writer(file, id);
        writer.scalar("loss", 0, 2.0, 0.0, 100.0);
        writer.scalar("loss", 1, 1.5, 0.5, 101.0);
        const std::vector<double> bins = {0.75, 0.25};
        writer.histogram("groups_target", 1, bins);
        writer.divergence(DivergenceLevel::Title, DivergenceKind::KlPolicyTarget, 1, 0.2);
        writer.evaluation("test", "hr", 5, 1, 0.5);
        writer.sample(1, 0, "A", true, -0.1);
        writer.checkpoint(1, "ckpt/1", std::nullopt);
        writer.finish(RunStatus::Finished);
    }
    const auto j = exportRunJson(store, id);
    QCOMPARE(j.at("run").at("status").get<std::string>(), std::string("finished"));
    QCOMPARE(j.at("run").at("tags").at(0).get<std::string>(), std::string("demo"));
    QCOMPARE(j.at("config").at("seed").get<int>(), 3);
    QCOMPARE(j.at("series").at("loss").at("value").dump(), std::string("[2.0,1.5]"));
    QCOMPARE(j.at("series").at("loss").at("epoch").dump(), std::string("[0.0,0.5]"));
    QCOMPARE(j.at("series").at("loss").at("wall_time").dump(), std::string("[100.0,101.0]"));
    QCOMPARE(j.at("histograms").at(0).at("bins").dump(), std::string("[0.75,0.25]"));
    QCOMPARE(j.at("divergences").at(0).at("kind").get<std::string>(), std::string("kl_rt"));
    QCOMPARE(j.at("evaluations").at(0).at("value").get<double>(), 0.5);
    QCOMPARE(j.at("samples").at(0).at("title").get<std::string>(), std::string("A"));
    QVERIFY(j.at("checkpoints").at(0).at("metric").is_null());
    QVERIFY_THROWS_EXCEPTION(flower::Error, exportRunJson(store, 77));
}

FLOWER_TEST_MAIN(TestStoreExporters, paperTableMarkdown, paperTableLatex, paperTableCsv,
                 runsTableMarkdown, differentConfigsInOneCellAreAnError, cellStatistics,
                 runJsonHoldsEverything)
#ifdef FLOWER_TEST_QT
#include "test_store_exporters.moc"
#endif
