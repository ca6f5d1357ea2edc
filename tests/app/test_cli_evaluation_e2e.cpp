// Issue 16's end-to-end check (label slow): a tiny SFT run on a synthetic dataset with the
// training-time evaluation on (`flower train`), then
//   - every metric of the validation and of the end-of-training test evaluation is in the
//     store, with the three group histograms and the top-10 samples of both splits;
//   - the test values equal what `flower recommend` (the best checkpoint, the test split) +
//     `flower metrics` compute from outside the run;
//   - `flower export --table paper` shows the store's test values (to its 6 decimals).
#include "core/data/dataset.h"
#include "core/data/synthetic_catalog.h"
#include "core/store/run_store.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using flower::test::runProcess;
using flower::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    for (std::string field; std::getline(in, field, ',');) out.push_back(field);
    return out;
}

}  // namespace

class TestCliEvaluationE2e : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void trainEvaluatesStoresAndExports();
};

void TestCliEvaluationE2e::trainEvaluatesStoresAndExports() {
    TempDir dir("cli-eval-e2e");
    flower::data::SyntheticConfig synth;
    synth.items = 80;
    synth.users = 300;
    synth.seed = 4;
    const auto dataset = flower::data::generateSynthetic(synth).dataset;
    const fs::path data = dir.path() / "synthetic";
    flower::data::writeDataset(dataset, data);
    const fs::path db = dir.path() / "runs.sqlite";
    const auto train = runProcess(
        {FLOWER_CLI_PATH, "train", "--experiment", std::string(FLOWER_EXPERIMENTS_DIR) + "/rq2-movies-bigrec.json",
         "--db", db.string(), "--json", "--set", "dataset=" + data.string(), "--set", "model=tiny",
         "--set", "device=cpu", "--set", "dtype=float32", "--set", "batch_size=16", "--set",
         "micro_batch_size=16", "--set", "max_steps=12", "--set", "optimizer.lr=0.003", "--set",
         "optimizer.warmup_steps=2", "--set", "evaluation.every_steps=4", "--set",
         "early_stopping.metric=valid/ndcg@5", "--set", "early_stopping.mode=max", "--set",
         "early_stopping.patience=0", "--set", "evaluation.rows=100", "--set", "name=e2e-sft"});
    QVERIFY2(train.exitCode == 0, (train.err + train.out).c_str());
    const auto summary = nlohmann::json::parse(train.out);
    QCOMPARE(summary["status"].get<std::string>(), std::string("finished"));
    QVERIFY2(summary.contains("test"), train.out.c_str());
    const std::int64_t runId = summary["run_id"].get<std::int64_t>();
    // The log says the evaluation runs and how long it took.
    QVERIFY2(train.err.find("ranking the valid split") != std::string::npos ||
                 train.out.find("ranking the valid split") != std::string::npos,
             train.err.c_str());

    flower::store::StoreOptions readOnly;
    readOnly.create = false;
    readOnly.readOnly = true;
    flower::store::RunStore store(db, readOnly);
    std::map<std::string, double> test;  // "ndcg@5" → value
    std::set<std::int64_t> validSteps;
    std::int64_t testStep = -1;
    for (const auto& e : store.evaluations(runId)) {
        const std::string key = e.metric + (e.k > 0 ? "@" + std::to_string(e.k) : "");
        if (e.split == "test") {
            test[key] = e.value;
            testStep = e.step;
        } else if (e.metric == "ndcg") {
            validSteps.insert(e.step);
        }
    }
    QCOMPARE(validSteps, (std::set<std::int64_t>{4, 8, 12}));
    QCOMPARE(testStep, std::int64_t{12});
    for (const char* metric : {"ndcg", "hr", "dgu", "mgu", "coverage", "gini", "tail_share"}) {
        for (int k : {1, 3, 5, 10, 20}) {
            const std::string key = std::string(metric) + "@" + std::to_string(k);
            QVERIFY2(test.count(key), key.c_str());
        }
    }
    for (const char* metric : {"entropy", "ttr", "cc", "distinct_titles"}) QVERIFY2(test.count(metric), metric);
    QCOMPARE(test["cc"], 0.0);  // constrained decoding writes catalogue titles only

    std::set<std::string> kinds;
    for (const auto& h : store.histograms(runId)) {
        kinds.insert(h.kind);
        QCOMPARE(h.bins.size(), std::size_t{8});
    }
    QCOMPARE(kinds, (std::set<std::string>{"groups_history", "groups_recommended", "groups_target",
                                           "test/groups_history", "test/groups_recommended",
                                           "test/groups_target"}));
    std::set<std::string> titles(dataset.catalog.titles().begin(), dataset.catalog.titles().end());
    std::map<std::string, int> samplesBySplit;
    for (const auto& s : store.samples(runId)) {
        QVERIFY2(titles.count(s.title), s.title.c_str());
        QVERIFY(s.logProb.has_value());
        if (s.step == 12) ++samplesBySplit[s.split];
    }
    QCOMPARE(samplesBySplit["valid"], 20 * 10);  // the first 20 rows' top-10 lists
    QCOMPARE(samplesBySplit["test"], 20 * 10);

    // From outside the run: the best checkpoint, the test split, the same decoding.
    std::string best;
    for (const auto& c : store.checkpoints(runId)) {
        if (c.metric) best = c.path;  // `best` rows carry the monitored value
    }
    QVERIFY(!best.empty());
    const fs::path predictions = dir.path() / "test-predictions.json";
    const auto recommend = runProcess({FLOWER_CLI_PATH, "recommend", best, "--dataset", data.string(), "--split",
                                       "test", "--beams", "10", "--out", predictions.string()});
    QVERIFY2(recommend.exitCode == 0, recommend.err.c_str());
    const auto metrics = runProcess({FLOWER_CLI_PATH, "metrics", "--dataset", data.string(), "--predictions",
                                     predictions.string(), "--k", "1,3,5,10,20"});
    QVERIFY2(metrics.exitCode == 0, metrics.err.c_str());
    const auto m = nlohmann::json::parse(metrics.out);
    const auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9; };
    for (std::size_t i = 0; i < m["K"].size(); ++i) {
        const std::string k = std::to_string(m["K"][i].get<int>());
        QVERIFY2(near(m["NDCG"][i].get<double>(), test["ndcg@" + k]), k.c_str());
        QVERIFY2(near(m["HR"][i].get<double>(), test["hr@" + k]), k.c_str());
        QVERIFY(near(m["DGU@" + k].get<double>(), test["dgu@" + k]));
        QVERIFY(near(m["MGU@" + k].get<double>(), test["mgu@" + k]));
    }
    QVERIFY(near(m["word_entropy_bits"].get<double>(), test["entropy"]));
    QVERIFY(near(m["TTR"].get<double>(), test["ttr"]));
    QCOMPARE(m["distinct_titles"].get<double>(), test["distinct_titles"]);

    // Table 4's layout: one row (BIGRec = sft), the store's test values.
    const fs::path csv = dir.path() / "paper.csv";
    const auto exported = runProcess({FLOWER_CLI_PATH, "export", "--runs", std::to_string(runId), "--table", "paper",
                                      "--format", "csv", "--out", csv.string(), "--db", db.string()});
    QVERIFY2(exported.exitCode == 0, exported.err.c_str());
    std::ifstream in(csv);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    const auto names = splitCsvLine(header);
    const auto values = splitCsvLine(row);
    QCOMPARE(names.size(), values.size());
    const std::map<std::string, std::string> columns = {{"NDCG@5", "ndcg@5"}, {"HR@5", "hr@5"},
                                                        {"DGU@10", "dgu@10"}, {"MGU@10", "mgu@10"},
                                                        {"H", "entropy"}, {"TTR", "ttr"}};
    int checked = 0;
    for (std::size_t c = 0; c < names.size(); ++c) {
        const auto slash = names[c].rfind('/');
        const std::string column = slash == std::string::npos ? names[c] : names[c].substr(slash + 1);
        const auto it = columns.find(column);
        if (it == columns.end()) continue;
        QVERIFY2(std::abs(std::stod(values[c]) - test[it->second]) <= 5e-7, names[c].c_str());
        ++checked;
    }
    QCOMPARE(checked, 6);
}

FLOWER_TEST_MAIN(TestCliEvaluationE2e, trainEvaluatesStoresAndExports)
#ifdef FLOWER_TEST_QT
#include "test_cli_evaluation_e2e.moc"
#endif
