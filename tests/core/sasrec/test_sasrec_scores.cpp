// The scores file: round trip of every split, errors for a missing split, a wrong dtype and a
// shape that does not match the dataset (naming the file); SasRecPreference reads training rows;
// the experiment's "preference" block (validation, paths, the later layer wins); and, with the
// default tokenizer, assembleRun wiring a scores file into flow_div_pref (and refusing a
// mismatched one).
#include "core/data/dataset.h"
#include "core/data/synthetic_catalog.h"
#include "core/model/safetensors_writer.h"
#include "core/run/experiment_config.h"
#include "core/sasrec/sasrec_preference.h"
#include "core/sasrec/sasrec_scores.h"
#include "core/store/run_store.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/train/run_assembly.h"
#include "core/train/training_data.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>

using namespace flower::sasrec;
using flower::run::ExperimentConfig;

using flower::test::contains;
using flower::test::errorOf;

class TestSasRecScores : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void badFilesAreClearErrors();
    void preferenceReadsTrainingRows();
    void experimentPreferenceBlock();
    void assemblyWiresThePreference();
    void assemblySavesItsSasRecForTheNextRun();
};

void TestSasRecScores::roundTrip() {
    flower::test::TempDir dir("sasrec-scores");
    const at::Tensor train = torch::randn({7, 5}), valid = torch::randn({3, 5});
    const auto file = dir.path() / "s.safetensors";
    writeScores(file, {{"train", train}, {"valid", valid}}, {{"run", "4"}});
    const SasRecScores s(file);
    QVERIFY(s.contains("train") && s.contains("valid") && !s.contains("test"));
    QVERIFY(torch::equal(s.split("train", 7, 5), train));
    QVERIFY(torch::equal(s.split("valid"), valid));
    QCOMPARE(runScoresPath("/x/runs.sqlite", 12).string(), std::string("/x/runs/12/sasrec_scores.safetensors"));
}

void TestSasRecScores::badFilesAreClearErrors() {
    flower::test::TempDir dir("sasrec-scores");
    const auto file = dir.path() / "s.safetensors";
    writeScores(file, {{"train", torch::zeros({7, 5})}});
    const SasRecScores s(file);
    const std::string shape = errorOf([&] { s.split("train", 8, 5); });
    QVERIFY2(contains(shape, file.string()) && contains(shape, "[7, 5]") && contains(shape, "8 rows"), shape.c_str());
    QVERIFY(contains(errorOf([&] { s.split("train", 7, 6); }), "6 items"));
    const std::string missing = errorOf([&] { s.split("test"); });
    QVERIFY2(contains(missing, "test split") && contains(missing, "train"), missing.c_str());
    const auto doubles = dir.path() / "d.safetensors";
    flower::model::writeSafetensors(doubles, {{"train", torch::zeros({7, 5}, torch::kFloat64)}});
    QVERIFY(contains(errorOf([&] { SasRecScores(doubles).split("train"); }), "float32"));
    QVERIFY(!errorOf([&] { SasRecScores(dir.path() / "absent.safetensors"); }).empty());
    QVERIFY(contains(errorOf([&] { SasRecPreference::fromFile(file, 7, 4); }), "4 items"));
}

void TestSasRecScores::preferenceReadsTrainingRows() {
    flower::test::TempDir dir("sasrec-scores");
    const at::Tensor train = torch::arange(12, torch::kFloat32).view({3, 4});
    const auto file = dir.path() / "s.safetensors";
    writeScores(file, {{"train", train}});
    const auto p = SasRecPreference::fromFile(file, 3, 4);
    QCOMPARE(p.rows(), std::int64_t(3));
    QVERIFY(p.scores(2) == (std::vector<double>{8, 9, 10, 11}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, p.scores(3));
    // Through the reward variant: s of flow_div_pref from these raw scores (softmax inside).
    const auto variant = flower::flow::RewardVariant::fromName("flow_div_pref");
    double z = 0;
    std::vector<double> q(4);
    for (int i = 0; i < 4; ++i) z += (q[static_cast<std::size_t>(i)] = std::exp(4.0 + i));
    for (double& v : q) v /= z;
    const double expected = (q[3] - 0.25) / (q[3] - q[0]) + 1.0;
    QVERIFY(std::abs(variant.preferenceFactor(p.scores(1), 3) - expected) < 1e-12);
}

void TestSasRecScores::experimentPreferenceBlock() {
    flower::test::TempDir dir("sasrec-config");
    const auto base = dir.write("exp/base.json", R"({"preference": {"scores": "cache/s.safetensors"}})");
    const auto child = dir.write("exp/child.json", R"({"extends": "base.json", "preference": {"run": 3}})");
    const auto c = ExperimentConfig::load(base);
    QCOMPARE(c.preference.scores, (dir.path() / "exp/cache/s.safetensors").string());
    QCOMPARE(c.preference.run, std::int64_t(0));
    const auto d = ExperimentConfig::load(child);  // the later layer's choice replaces the file
    QCOMPARE(d.preference.run, std::int64_t(3));
    QVERIFY(d.preference.scores.empty());
    QCOMPARE(ExperimentConfig::fromJson(d.toJson()).preference.run, std::int64_t(3));
    const auto both = dir.write("exp/both.json", R"({"preference": {"run": 2, "scores": "x"}})");
    const std::string e = errorOf([&] { ExperimentConfig::load(both); });
    QVERIFY2(contains(e, "both.json") && contains(e, "preference.scores") && contains(e, "not both"), e.c_str());
    const auto typo = dir.write("exp/typo.json", R"({"preference": {"runs": 2}})");
    QVERIFY(contains(errorOf([&] { ExperimentConfig::load(typo); }), "did you mean \"run\""));
    const auto negative = dir.write("exp/neg.json", R"({"preference": {"run": -1}})");
    QVERIFY(contains(errorOf([&] { ExperimentConfig::load(negative); }), "preference.run"));
}

void TestSasRecScores::assemblyWiresThePreference() {
    if (!std::filesystem::exists(flower::util::defaultTokenizerPath())) {
        QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    }
    flower::test::TempDir dir("sasrec-assembly");
    flower::data::SyntheticConfig sc;
    sc.items = 40;
    sc.users = 60;
    const auto data = flower::data::generateSynthetic(sc).dataset;
    flower::data::writeDataset(data, dir.path() / "data");
    const auto rows = static_cast<std::int64_t>(data.train.size());
    const auto items = static_cast<std::int64_t>(data.catalog.size());
    writeScores(dir.path() / "good.safetensors", {{"train", torch::randn({rows, items})}});
    writeScores(dir.path() / "bad.safetensors", {{"train", torch::randn({rows + 1, items})}});
    auto config = [&](const std::string& scores) {
        nlohmann::json j = {{"dataset", (dir.path() / "data").string()}, {"model", "nano"}, {"device", "cpu"},
                            {"method", "flower"}, {"reward", {{"variant", "flow_div_pref"}}},
                            {"preference", {{"scores", scores}}}};
        return ExperimentConfig::fromJson(j);
    };
    auto run = flower::train::assembleRun(config((dir.path() / "good.safetensors").string()));
    QVERIFY(run.preference != nullptr);
    QVERIFY2(contains(run.describe(), "good.safetensors"), run.describe().c_str());
    QCOMPARE(run.preference->scores(rows - 1).size(), static_cast<std::size_t>(items));
    // The objective trains with it: a finite loss, and not the plain flow variant's loss for the
    // same sampled titles (same generator seed, same model weights).
    auto plainConfig = config((dir.path() / "good.safetensors").string());
    plainConfig.rewardVariant = flower::run::RewardVariant::Flow;
    auto plain = flower::train::assembleRun(plainConfig);
    const std::vector<std::int64_t> batchRows = {0, 1, 2, 3};
    const auto batch = run.data->batch(flower::train::Split::Train, batchRows);
    at::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(5), g2 = at::make_generator<at::CPUGeneratorImpl>(5);
    const double withPreference = run.objective->compute(*run.model, batch, g1).scalar("loss/subtb");
    const double withoutPreference = plain.objective->compute(*plain.model, batch, g2).scalar("loss/subtb");
    QVERIFY(std::isfinite(withPreference));
    QVERIFY2(withPreference != withoutPreference, std::to_string(withPreference).c_str());
    const std::string e = errorOf([&] { flower::train::assembleRun(config((dir.path() / "bad.safetensors").string())); });
    QVERIFY2(contains(e, "bad.safetensors") && contains(e, "do not match"), e.c_str());
    // A store run that does not exist, or no store at all: clear errors.
    auto byRun = config("");
    byRun.preference.scores.clear();
    byRun.preference.run = 9;
    QVERIFY(contains(errorOf([&] { flower::train::assembleRun(byRun); }), "preference.run"));
}

// No "preference" and a run store: the first assembly trains SASRec and saves it as a sasrec
// run (the log says which), the next one with the same dataset and seed reuses that run, and
// another seed trains its own. The preference reads the saved run's training scores.
void TestSasRecScores::assemblySavesItsSasRecForTheNextRun() {
    if (!std::filesystem::exists(flower::util::defaultTokenizerPath())) {
        QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    }
    flower::test::TempDir dir("sasrec-saved");
    flower::data::SyntheticConfig sc;
    sc.items = 40;
    sc.users = 60;
    const auto data = flower::data::generateSynthetic(sc).dataset;
    flower::data::writeDataset(data, dir.path() / "data");
    const auto config = [&](std::int64_t seed) {
        nlohmann::json j = {{"name", "flower-div"}, {"dataset", (dir.path() / "data").string()},
                            {"model", "nano"}, {"device", "cpu"}, {"method", "flower"},
                            {"reward", {{"variant", "flow_div_pref"}}}, {"seed", seed}};
        return ExperimentConfig::fromJson(j);
    };
    flower::train::AssemblyOptions options;
    options.storeFile = dir.path() / "runs.sqlite";
    const auto first = flower::train::assembleRun(config(4), options);
    QVERIFY2(contains(first.describe(), "SASRec run 1 (seed 4) was trained first and saved"),
             first.describe().c_str());
    flower::store::RunStore runs(options.storeFile);
    const auto saved = runs.run(1);
    QCOMPARE(saved.method, std::string("sasrec"));
    QCOMPARE(saved.seed, std::int64_t{4});
    QCOMPARE(saved.name, std::string("sasrec-flower-div"));
    QVERIFY(saved.status == flower::store::RunStatus::Finished);
    const SasRecScores file(runScoresPath(options.storeFile, 1));
    const auto trainScores = file.split("train");
    const auto last = static_cast<std::int64_t>(data.train.size()) - 1;
    QCOMPARE(first.preference->scores(last).at(3), static_cast<double>(trainScores[last][3].item<float>()));

    const auto again = flower::train::assembleRun(config(4), options);
    QVERIFY2(contains(again.describe(), "SASRec run 1 (seed 4) was reused"), again.describe().c_str());
    QCOMPARE(runs.listRuns().size(), std::size_t{1});
    const auto other = flower::train::assembleRun(config(5), options);
    QVERIFY2(contains(other.describe(), "SASRec run 2 (seed 5) was trained first"), other.describe().c_str());
}

FLOWER_TEST_MAIN(TestSasRecScores, roundTrip, badFilesAreClearErrors, preferenceReadsTrainingRows,
                 experimentPreferenceBlock, assemblyWiresThePreference,
                 assemblySavesItsSasRecForTheNextRun)
#ifdef FLOWER_TEST_QT
#include "test_sasrec_scores.moc"
#endif
