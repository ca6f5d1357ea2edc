// The experiment files of every row of the paper's Tables 4 and 6 (experiments/rq2-<dataset>-
// <row>.json), resolved by `flower config --resolve` as a user would: the fields that define each
// row (method, decoding and its defaults, reward variant, dataset) and the row label the paper
// table derives from them — distinct per dataset, in the paper's order when the resolved configs
// are runs of one store. SASRec has no file: `flower sasrec train` (or a preference run) makes it.
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/table_builder.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

using flower::test::runProcess;
namespace fs = std::filesystem;

namespace {

struct Row {
    std::string file;       // rq2-<dataset>-<file>.json
    std::string label;      // the paper's row
    std::string method;
    std::string decoding;
    std::string variant;    // "" = not checked (the SFT rows: no flow objective)
};

const std::vector<Row>& rows() {
    static const std::vector<Row> kRows = {
        {"bigrec", "BIGRec", "sft", "beam", ""},
        {"temp", "Temp", "sft", "temp", ""},
        {"d3", "D3", "sft", "d3", ""},
        {"ifairlrs", "IFairLRS", "ifairlrs", "beam", ""},
        {"flower", "Flower", "flower", "beam", "flow_div_pref"},
        {"flower-flow", "Flower (R)", "flower", "beam", "flow"},
        {"flower-div-pref", "Flower (÷ pref)", "flower", "beam", "flow_div_pref"},
        {"flower-plus-log-pref", "Flower (+ log pref)", "flower", "beam", "flow_plus_log_pref"},
    };
    return kRows;
}

const std::vector<std::pair<std::string, std::string>> kDatasets = {
    {"movies", "Movies_and_TV"}, {"games", "Video_Games"}, {"cds", "CDs_and_Vinyl"}};

nlohmann::json resolve(const fs::path& file) {
    const auto r = runProcess({FLOWER_CLI_PATH, "config", "--resolve", file.string()});
    if (r.exitCode != 0) {
        throw std::runtime_error(file.string() + ": " + r.err);
    }
    return nlohmann::json::parse(r.out);
}

}  // namespace

class TestCliRq2Experiments : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyRowResolvesToItsDefiningFields();
    void noOtherRowFiles();
};

void TestCliRq2Experiments::everyRowResolvesToItsDefiningFields() {
    const fs::path dir = FLOWER_EXPERIMENTS_DIR;
    flower::test::TempDir temp("rq2-rows");
    for (const auto& [short_, dataset] : kDatasets) {
        flower::store::RunStore store(temp.path() / (short_ + ".sqlite"));
        std::vector<std::int64_t> ids;
        std::set<std::string> labels;
        for (const auto& row : rows()) {
            const std::string name = "rq2-" + short_ + "-" + row.file;
            const auto j = resolve(dir / (name + ".json"));
            const std::string shown = name + ": " + j.dump();
            QVERIFY2(j.at("name") == name, shown.c_str());
            QVERIFY2(j.at("dataset") == dataset, shown.c_str());
            QVERIFY2(j.at("method") == row.method, shown.c_str());
            const auto& e = j.at("evaluation");
            QVERIFY2(e.at("decoding") == row.decoding, shown.c_str());
            QVERIFY2(e.at("beams") == 10, shown.c_str());
            // Temp: T = 1.5; D3: length penalty 0 and no SASRec guidance (γ = 1), as published.
            QVERIFY2(e.at("temperature") == (row.decoding == "temp" ? 1.5 : 1.0), shown.c_str());
            QVERIFY2(e.at("length_penalty") == (row.decoding == "d3" ? 0.0 : 1.0), shown.c_str());
            QVERIFY2(e.at("guidance") == 1.0, shown.c_str());
            if (!row.variant.empty()) {
                QVERIFY2(j.at("reward").at("variant") == row.variant, shown.c_str());
            }
            const std::string label = flower::store::paperRowLabel(j.dump(), row.method);
            QVERIFY2(label == row.label, (shown + " → " + label).c_str());
            QVERIFY2(labels.insert(label).second, (name + ": label " + label + " twice").c_str());
            const auto id = store.createRun(
                {name, j.dump(), row.method, dataset, j.at("seed").get<std::int64_t>(), "cpu"});
            flower::store::RunWriter writer(store.file(), id);
            writer.evaluation("test", "ndcg", 5, 1, 0.01 * static_cast<double>(ids.size() + 1));
            writer.finish(flower::store::RunStatus::Finished);
            ids.push_back(id);
        }
        // One store with the eight rows, added in file order: the paper table takes every one
        // as its own row (no two configs collide on a label), in the paper's order.
        const auto table = flower::store::paperTable(store, ids);
        std::vector<std::string> order;
        for (const auto& r : table.rows) order.push_back(r.label);
        std::vector<std::string> expected;
        for (const auto& r : rows()) expected.push_back(r.label);
        QCOMPARE(order, expected);
    }
}

// Every rq2 file is a base (rq2-<dataset>.json) or one of the rows above.
void TestCliRq2Experiments::noOtherRowFiles() {
    std::set<std::string> known;
    for (const auto& [short_, dataset] : kDatasets) {
        known.insert("rq2-" + short_ + ".json");
        for (const auto& row : rows()) known.insert("rq2-" + short_ + "-" + row.file + ".json");
    }
    int found = 0;
    for (const auto& entry : fs::directory_iterator(FLOWER_EXPERIMENTS_DIR)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("rq2-", 0) != 0) continue;
        ++found;
        QVERIFY2(known.count(name) == 1, (name + " is neither a base nor a row of Tables 4 and 6").c_str());
    }
    QCOMPARE(found, static_cast<int>(known.size()));
}

FLOWER_TEST_MAIN(TestCliRq2Experiments, everyRowResolvesToItsDefiningFields, noOtherRowFiles)
#ifdef FLOWER_TEST_QT
#include "test_cli_rq2_experiments.moc"
#endif
