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

#include <cmath>
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

// A run whose config is `config` plus name/seed/dataset, with one final test result.
std::int64_t addConfigRun(RunStore& store, nlohmann::json config, const std::string& dataset,
                          std::int64_t seed, const Result& r) {
    const std::string name = config.value("name", std::string("run"));
    const std::string method = config.at("method").get<std::string>();
    config["seed"] = seed;
    config["dataset"] = dataset;
    const auto id = store.createRun(NewRun{name, config.dump(), method, dataset, seed, "cpu"});
    RunWriter writer(store.file(), id);
    writer.evaluation("test", "ndcg", 5, 7, r.ndcg5);
    writer.evaluation("test", "hr", 5, 7, r.hr5);
    writer.evaluation("test", "dgu", 10, 7, r.dgu10);
    writer.evaluation("test", "mgu", 10, 7, r.mgu10);
    writer.evaluation("test", "entropy", 0, 7, r.entropy);
    writer.evaluation("test", "ttr", 0, 7, r.ttr);
    writer.finish(RunStatus::Finished);
    return id;
}

nlohmann::json sftWith(const std::string& decoding) {
    return {{"method", "sft"}, {"reward", {{"variant", "flow"}}},
            {"evaluation", {{"decoding", decoding}, {"beams", 10}}}};
}

nlohmann::json flowerWith(const std::string& variant) {
    return {{"method", "flower"}, {"reward", {{"variant", variant}}},
            {"evaluation", {{"decoding", "beam"}, {"beams", 10}}}};
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
    void rowLabelsFromConfigs();
    void everyRowOfTablesFourAndSix();
    void cellStatistics();
    void runJsonHoldsEverything();
    void divergenceTableLayout();
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
                 file.string() + ": runs 1 and 2 both give the row Flower on Movies_and_TV but "
                                 "their configs differ in more than the seed (first in lambda); "
                                 "give one a \"table_row\", or export them separately (or use "
                                 "the runs table)");
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, paperTable(store, {a, 99}));

    // A nested field is named by its path; a table_row keeps two configs apart.
    auto temp = sftWith("temp");
    auto hotter = temp;
    hotter["evaluation"]["temperature"] = 2.0;
    const auto c = addConfigRun(store, temp, "Movies_and_TV", 0, {0, 0, 0, 0, 0, 0});
    const auto d = addConfigRun(store, hotter, "Movies_and_TV", 0, {0, 0, 0, 0, 0, 0});
    try {
        paperTable(store, {c, d});
        QFAIL("two Temp configs were merged");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("row Temp on Movies_and_TV") != std::string::npos &&
                     std::string(e.what()).find("(first in evaluation.temperature)") !=
                         std::string::npos,
                 e.what());
    }
    hotter["table_row"] = "Temp (T = 2)";
    const auto e = addConfigRun(store, hotter, "Movies_and_TV", 0, {0, 0, 0, 0, 0, 0});
    const auto table = paperTable(store, {c, e});
    QCOMPARE(table.rows.size(), std::size_t{2});
    QCOMPARE(table.rows[1].label, std::string("Temp (T = 2)"));
}

void TestStoreExporters::rowLabelsFromConfigs() {
    const auto label = [](const nlohmann::json& j) {
        return paperRowLabel(j.dump(), j.value("method", std::string("?")));
    };
    QCOMPARE(label({{"method", "sasrec"}}), std::string("SASRec"));
    QCOMPARE(label(sftWith("beam")), std::string("BIGRec"));
    QCOMPARE(label(sftWith("constrained")), std::string("BIGRec"));  // the earlier schema
    QCOMPARE(label(sftWith("temp")), std::string("Temp"));
    QCOMPARE(label(sftWith("d3")), std::string("D3"));
    QCOMPARE(label(sftWith("free")), std::string("BIGRec (free decoding)"));
    QCOMPARE(label({{"method", "sft_temperature"}}), std::string("Temp"));
    QCOMPARE(label({{"method", "ifairlrs"}, {"evaluation", {{"decoding", "beam"}}}}),
             std::string("IFairLRS"));
    QCOMPARE(label({{"method", "ifairlrs"}, {"evaluation", {{"decoding", "d3"}}}}),
             std::string("IFairLRS + D3"));
    QCOMPARE(label({{"method", "flower"}}), std::string("Flower"));
    QCOMPARE(label(flowerWith("flow")), std::string("Flower (R)"));
    QCOMPARE(label(flowerWith("flow_div_pref")), std::string("Flower (÷ pref)"));
    QCOMPARE(label(flowerWith("flow_plus_log_pref")), std::string("Flower (+ log pref)"));
    auto hot = flowerWith("flow");
    hot["evaluation"]["decoding"] = "temp";
    QCOMPARE(label(hot), std::string("Flower (R) + Temp"));
    auto named = flowerWith("flow_div_pref");
    named["table_row"] = "Flower";
    QCOMPARE(label(named), std::string("Flower"));
    named["table_row"] = "";  // empty: derived
    QCOMPARE(label(named), std::string("Flower (÷ pref)"));
    QCOMPARE(paperRowLabel("not json", "sft"), std::string("BIGRec"));
    QCOMPARE(paperRowLabel("{}", "other"), std::string("other"));
}

// Every row of Tables 4 and 6 on one dataset, added out of order: the rows come in the paper's
// order, the two seeds of one config share a cell (mean ± std), and Flower's Table 4 row (named
// by table_row) stays apart from the reward variant it trains.
void TestStoreExporters::everyRowOfTablesFourAndSix() {
    RunStore store(freshDb("rows"));
    auto table4Flower = flowerWith("flow_div_pref");
    table4Flower["table_row"] = "Flower";
    std::vector<std::int64_t> ids = {
        addConfigRun(store, flowerWith("flow_plus_log_pref"), "Movies_and_TV", 0,
                     {0.031, 0.051, 0.45, 0.055, 9.1, 0.41}),
        addConfigRun(store, sftWith("d3"), "Movies_and_TV", 0, {0.028, 0.047, 0.7, 0.09, 8.2, 0.22}),
        addConfigRun(store, table4Flower, "Movies_and_TV", 0, {0.033, 0.055, 0.4, 0.05, 9.3, 0.45}),
        addConfigRun(store, flowerWith("flow_div_pref"), "Movies_and_TV", 0,
                     {0.030, 0.050, 0.5, 0.06, 9.0, 0.40}),
        addConfigRun(store, flowerWith("flow_div_pref"), "Movies_and_TV", 1,
                     {0.034, 0.054, 0.3, 0.04, 9.2, 0.44}),
        addConfigRun(store, {{"method", "ifairlrs"}, {"evaluation", {{"decoding", "beam"}}}},
                     "Movies_and_TV", 0, {0.025, 0.045, 0.5, 0.08, 8.5, 0.30}),
        addConfigRun(store, flowerWith("flow"), "Movies_and_TV", 0, {0.029, 0.049, 0.6, 0.07, 8.9, 0.35}),
        addConfigRun(store, sftWith("temp"), "Movies_and_TV", 0, {0.027, 0.046, 0.8, 0.095, 8.4, 0.25}),
        addConfigRun(store, sftWith("beam"), "Movies_and_TV", 0, {0.030, 0.050, 0.9, 0.10, 8.0, 0.20}),
        addConfigRun(store, {{"method", "sasrec"}}, "/data/Movies_and_TV", 1,
                     {0.090, 0.107, 0.95, 0.11, 7.0, 0.10}),
    };
    const auto table = paperTable(store, ids);
    std::vector<std::string> labels;
    for (const auto& row : table.rows) labels.push_back(row.label);
    const std::vector<std::string> expected = {
        "SASRec", "BIGRec", "Temp", "D3", "IFairLRS", "Flower",
        "Flower (R)", "Flower (÷ pref)", "Flower (+ log pref)"};
    QCOMPARE(labels, expected);
    QCOMPARE(table.groups.size(), std::size_t{1});
    const auto& divPref = table.rows[7].cells;
    QCOMPARE(divPref[0].values.size(), std::size_t{2});
    QCOMPARE(divPref[0].mean(), 0.032);                  // (0.030 + 0.034) / 2
    QCOMPARE(divPref[0].stddev(), 0.002 * std::sqrt(2.0));  // ((0.002² + 0.002²) / 1)^½
    QCOMPARE(table.rows[5].cells[2].values, std::vector<double>{0.4});
    QCOMPARE(table.rows[0].cells[0].values, std::vector<double>{0.090});
    QCOMPARE(table.toMarkdown(), readFile(fs::path(FLOWER_EXPECTED_DIR) / "paper_rows.md"));
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

// Table 3 (RQ1): SFT with one run, Flower with two seeds (mean ± std), the last evaluation's
// values (an earlier one must not count), the _exact variants read only when asked for.
void TestStoreExporters::divergenceTableLayout() {
    const fs::path file = freshDb("divergences");
    RunStore store(file);
    const auto addRq1 = [&](const std::string& method, std::int64_t seed, double js) {
        const nlohmann::json config = {{"method", method}, {"seed", seed},
                                       {"evaluation", {{"decoding", "beam"}}}};
        const auto id = store.createRun(NewRun{method, config.dump(), method, "synthetic:items=100", seed, "cpu"});
        RunWriter w(file, id);
        w.evaluation("valid", "js_title", 0, 10, 0.5);  // earlier: ignored
        for (const char* level : {"title", "token"}) {
            const double scale = std::string(level) == "title" ? 1.0 : 0.1;
            w.evaluation("valid", std::string("kl_tr_") + level, 0, 20, 2 * js * scale);
            w.evaluation("valid", std::string("kl_rt_") + level, 0, 20, 3 * js * scale);
            w.evaluation("valid", std::string("js_") + level, 0, 20, js * scale);
            w.evaluation("valid", std::string("js_") + level + "_exact", 0, 20, js * scale / 2);
        }
        w.evaluation("valid", "samples", 0, 20, 6400);
        w.finish(RunStatus::Finished);
        return id;
    };
    const std::vector<std::int64_t> ids = {addRq1("sft", 0, 0.02), addRq1("flower", 0, 0.004),
                                           addRq1("flower", 1, 0.006)};
    const ResultTable t = divergenceTable(store, ids);
    QCOMPARE(t.groups.size(), std::size_t(2));
    QCOMPARE(t.groups[0].name, std::string("Title"));
    QCOMPARE(t.groups[1].name, std::string("Token"));
    QCOMPARE(t.groups[0].columns[0].header, std::string("KL(T‖R)"));
    QCOMPARE(t.groups[0].columns[2].header, std::string("JS"));
    QVERIFY(t.groups[1].columns[1].lowerIsBetter);
    QCOMPARE(t.rows.size(), std::size_t(2));
    QCOMPARE(t.rows[0].label, std::string("BIGRec"));
    QCOMPARE(t.rows[1].label, std::string("Flower"));
    QCOMPARE(t.rows[0].cells[2].values, std::vector<double>{0.02});
    QCOMPARE(t.rows[0].cells[0].values, std::vector<double>{0.04});
    QCOMPARE(t.rows[1].cells[2].values.size(), std::size_t(2));
    QCOMPARE(t.rows[1].cells[2].mean(), 0.005);
    QCOMPARE(t.rows[1].cells[2].stddev(), std::sqrt(2.0) * 0.001);  // (±0.001)² · 2 / 1
    QCOMPARE(t.rows[1].cells[4].mean(), 3 * 0.005 * 0.1);           // token KL(R‖T)
    QCOMPARE(t.rank(1, 2), 1);  // Flower has the best title JS
    QVERIFY(t.toMarkdown().find("**0.0050 ± 0.0014**") != std::string::npos);
    const ResultTable exact = divergenceTable(store, ids, true);
    QCOMPARE(exact.rows[0].cells[2].values, std::vector<double>{0.01});
    QVERIFY(exact.rows[0].cells[0].values.empty());  // no kl_tr_title_exact stored
}

FLOWER_TEST_MAIN(TestStoreExporters, paperTableMarkdown, paperTableLatex, paperTableCsv,
                 runsTableMarkdown, differentConfigsInOneCellAreAnError, rowLabelsFromConfigs,
                 everyRowOfTablesFourAndSix, cellStatistics,
                 runJsonHoldsEverything, divergenceTableLayout)
#ifdef FLOWER_TEST_QT
#include "test_store_exporters.moc"
#endif
