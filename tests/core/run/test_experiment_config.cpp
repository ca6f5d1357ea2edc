// ExperimentConfig: JSON round trip, extends chains, --set overrides, one test per bad input,
// and every file of experiments/ resolves and validates.
#include "core/run/experiment_config.h"
#include "core/util/remove_tree.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cmath>
#include <fstream>

using flower::run::ExperimentConfig;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
using flower::test::contains;
using flower::test::errorOf;

// A fresh folder per test under the system temp dir.
fs::path freshDir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() /
                         ("flower_config_" + std::to_string(::getpid()) + "_" + name);
    flower::util::removeTree(dir);
    fs::create_directories(dir);
    return dir;
}

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}


}  // namespace

class TestExperimentConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsRoundTrip();
    void changedValuesRoundTrip();
    void rolloutOptionsAreChecked();
    void extendsMergesObjectsAndChains();
    void extendsCycleIsAnError();
    void extendsMissingFileIsAnError();
    void thetaConvertsToLambda();
    void thetaAndLambdaInOneFileIsAnError();
    void laterLayerChoosesThetaOrLambda();
    void setOverridesValues();
    void setUnknownKeySuggests();
    void badMethodNamesFileAndField();
    void badValueNamesTheFileThatSetIt();
    void unknownKeySuggestsClosest();
    void unknownNestedKeyListsKnown();
    void wrongTypeIsAnError();
    void outOfRangeIsAnError();
    void batchNotMultipleOfMicroBatch();
    void neverStoppingRunIsAnError();
    void badSyntheticSpec();
    void unknownModelPreset();
    void rq1TargetNeedsHistoryFreePrompt();
    void rq1TargetFileNeedsADatasetFolder();
    void invalidJsonReportsPosition();
    void relativePathsFollowTheirFile();
    void everyExperimentFileResolves();
    void evaluationDefaultsFollowTheDecoding();
    void evaluationValuesAreChecked();
};

void TestExperimentConfig::defaultsRoundTrip() {
    const ExperimentConfig c;
    const json j = c.toJson();
    QCOMPARE(ExperimentConfig::fromJson(j).toJson().dump(), j.dump());
    QCOMPARE(j.at("method").get<std::string>(), std::string("flower"));
    QVERIFY(!j.contains("theta"));
    QVERIFY(!j.contains("extends"));
}

void TestExperimentConfig::changedValuesRoundTrip() {
    ExperimentConfig c;
    c.name = "x";
    c.method = flower::run::Method::IFairLrs;
    c.rewardVariant = flower::run::RewardVariant::FlowPlusLogPref;
    c.granularity = 5;
    c.lambda = INFINITY;
    c.optimizer.beta2 = 0.95;
    c.optimizer.schedule = flower::run::LrSchedule::Cosine;
    c.evaluation.k = {2, 4};
    c.evaluation.decoding = flower::run::Decoding::D3;
    c.evaluation.lengthPenalty = 0.5;
    c.evaluation.guidance = 0.25;
    c.evaluation.rows = 200;
    c.evaluation.test = false;
    c.earlyStopping.higherIsBetter = true;
    c.earlyStopping.metric = "valid/ndcg@5";
    c.device = flower::run::DeviceChoice::Cuda;
    c.dtype = flower::run::DType::BFloat16;
    c.gradientCheckpointing = true;
    c.seed = 42;
    c.rollout.constraint = flower::run::RolloutConstraint::Free;
    c.rollout.temperature = 2.0;
    c.rollout.offlineProbability = 0.5;
    c.rollout.decayStep = 0.1;
    c.rollout.decayThreshold = 0.2;
    const json j = c.toJson();
    QCOMPARE(j.at("lambda").get<std::string>(), std::string("inf"));
    const ExperimentConfig back = ExperimentConfig::fromJson(j);
    QCOMPARE(back.toJson().dump(), j.dump());
    QVERIFY(std::isinf(back.lambda));
    QCOMPARE(back.theta(), 0.0);
    QCOMPARE(back.evaluation.k, std::vector<int>({2, 4}));
    QVERIFY(back.rollout.constraint == flower::run::RolloutConstraint::Free);
    QCOMPARE(back.rollout.decayThreshold, 0.2);
    QVERIFY(back.gradientCheckpointing);
    QVERIFY(back.evaluation.decoding == flower::run::Decoding::D3);
    QCOMPARE(back.evaluation.guidance, 0.25);
    QCOMPARE(back.evaluation.rows, std::int64_t{200});
    QVERIFY(!back.evaluation.test);
}

// The schema other experiment files are written against: decoding names, the defaults that
// follow the decoding (α 0 for d3, T 1.5 for temp), "constrained" read as beam, test on for
// bigrec prompts only.
void TestExperimentConfig::evaluationDefaultsFollowTheDecoding() {
    const fs::path dir = freshDir("evaluation");
    const auto evaluationOf = [&](const std::string& text) {
        write(dir / "e.json", text);
        return ExperimentConfig::load(dir / "e.json").evaluation;
    };
    const auto none = evaluationOf("{}");
    QVERIFY(none.decoding == flower::run::Decoding::Beam);
    QCOMPARE(none.lengthPenalty, 1.0);
    QCOMPARE(none.temperature, 1.0);
    QCOMPARE(none.guidance, 1.0);
    QCOMPARE(none.rows, std::int64_t{0});
    QVERIFY(none.test);
    const auto temp = evaluationOf(R"({"evaluation": {"decoding": "temp"}})");
    QCOMPARE(temp.temperature, 1.5);
    QCOMPARE(temp.lengthPenalty, 1.0);
    const auto d3 = evaluationOf(R"({"evaluation": {"decoding": "d3"}})");
    QCOMPARE(d3.lengthPenalty, 0.0);
    QCOMPARE(d3.temperature, 1.0);
    QCOMPARE(d3.guidance, 1.0);
    const auto given = evaluationOf(
        R"({"evaluation": {"decoding": "d3", "length_penalty": 2, "guidance": 0.5, "rows": 20, "test": false}})");
    QCOMPARE(given.lengthPenalty, 2.0);
    QCOMPARE(given.guidance, 0.5);
    QCOMPARE(given.rows, std::int64_t{20});
    QVERIFY(!given.test);
    const auto old = evaluationOf(R"({"evaluation": {"decoding": "constrained"}})");
    QVERIFY(old.decoding == flower::run::Decoding::Beam);
    write(dir / "old.json", R"({"evaluation": {"decoding": "constrained"}})");
    // `flower config --resolve` prints toJson(): the new name.
    QCOMPARE(ExperimentConfig::load(dir / "old.json").toJson()["evaluation"]["decoding"].get<std::string>(),
             std::string("beam"));
    // sft_temperature trains as SFT and decodes at T 1.5 unless the file says otherwise.
    const auto sftT = evaluationOf(R"({"method": "sft_temperature"})");
    QVERIFY(sftT.decoding == flower::run::Decoding::Temp);
    QCOMPARE(sftT.temperature, 1.5);
    const auto sftTBeam = evaluationOf(R"({"method": "sft_temperature", "evaluation": {"decoding": "beam"}})");
    QVERIFY(sftTBeam.decoding == flower::run::Decoding::Beam);
    QCOMPARE(sftTBeam.temperature, 1.0);
    const auto rq1 = evaluationOf(R"({"prompt_template": "history_free", "evaluation": {"decoding": "free"}})");
    QVERIFY(rq1.decoding == flower::run::Decoding::Free);
    QVERIFY(!rq1.test);
    QCOMPARE(flower::run::defaultTemperature(flower::run::Decoding::Temp), 1.5);
    QCOMPARE(flower::run::defaultLengthPenalty(flower::run::Decoding::D3), 0.0);
}

void TestExperimentConfig::evaluationValuesAreChecked() {
    const fs::path dir = freshDir("evaluation_bad");
    const auto errorFor = [&](const std::string& text) {
        write(dir / "e.json", text);
        return errorOf([&] { ExperimentConfig::load(dir / "e.json"); });
    };
    const std::string at = (dir / "e.json").string() + ", field evaluation.";
    QCOMPARE(errorFor(R"({"evaluation": {"decoding": "greedy"}})"),
             at + "decoding: \"greedy\" is not one of beam, temp, d3, free");
    QCOMPARE(errorFor(R"({"evaluation": {"guidance": 1.5, "decoding": "d3"}})"),
             at + "guidance: expected a number in [0.0, 1.0], got 1.5");
    QCOMPARE(errorFor(R"({"evaluation": {"guidance": 0.5}})"),
             at + "guidance: γ < 1 (SASRec guidance) is D3's: it needs decoding \"d3\", got \"beam\"");
    QCOMPARE(errorFor(R"({"evaluation": {"length_penalty": -1}})"),
             at + "length_penalty: expected a number in [0.0, ∞), got -1");
    QCOMPARE(errorFor(R"({"evaluation": {"temperature": 0}})"),
             at + "temperature: expected a number in (0.0, ∞), got 0");
    QCOMPARE(errorFor(R"({"evaluation": {"rows": -3}})"), at + "rows: expected an integer ≥ 0, got -3");
    QCOMPARE(errorFor(R"({"evaluation": {"test": "yes"}})"),
             at + "test: expected true or false, got a string \"yes\"");
    QCOMPARE(errorFor(R"({"evaluation": {"decoding": "free"}})"),
             at + "decoding: \"free\" (unconstrained sampling) is the RQ1 evaluation of history_free "
                  "runs; bigrec runs decode with beam, temp or d3");
    QCOMPARE(errorFor(R"({"prompt_template": "history_free", "evaluation": {"test": true}})"),
             at + "test: the test-split evaluation ranks recommendations of bigrec prompts; "
                  "prompt_template \"history_free\" has no test split");
    QCOMPARE(errorFor(R"({"evaluation": {"row": 3}})"),
             at + "row: unknown key \"row\" (did you mean \"rows\"?)");
}

void TestExperimentConfig::rolloutOptionsAreChecked() {
    const fs::path dir = freshDir("rollout");
    write(dir / "a.json", R"({"rollout": {"log_pf": "tree", "offline_decay": {"step": 0.1}}})");
    const ExperimentConfig a = ExperimentConfig::load(dir / "a.json");
    QVERIFY(a.rollout.logPf == flower::run::PfNormalisation::Tree);
    QCOMPARE(a.rollout.decayStep, 0.1);
    QCOMPARE(a.rollout.decayFloor, 0.15);  // untouched defaults
    write(dir / "b.json", R"({"rollout": {"constraint": "free", "log_pf": "tree"}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "b.json"); }),
             (dir / "b.json").string() +
                 ", field rollout.log_pf: \"tree\" needs trie-constrained rollouts (constraint \"trie\"): "
                 "a free rollout's off-tree token has no probability under it");
    write(dir / "c.json", R"({"rollout": {"offline_probability": 1.5}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "c.json"); }),
             (dir / "c.json").string() +
                 ", field rollout.offline_probability: expected a number in [0.0, 1.0], got 1.5");
    write(dir / "d.json", R"({"rollout": {"offline_decay": {"stp": 0.1}}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "d.json"); }),
             (dir / "d.json").string() +
                 ", field rollout.offline_decay.stp: unknown key \"stp\" (did you mean \"step\"?)");
}

void TestExperimentConfig::extendsMergesObjectsAndChains() {
    const fs::path dir = freshDir("extends");
    write(dir / "base/base.json",
          R"({"method": "sft", "optimizer": {"lr": 0.01, "warmup_steps": 5}, "seed": 3})");
    write(dir / "mid.json",
          R"({"extends": "base/base.json", "optimizer": {"lr": 0.02}, "epochs": 2})");
    write(dir / "top.json", R"({"extends": "mid.json", "optimizer": {"grad_clip": 0.5}})");
    const ExperimentConfig c = ExperimentConfig::load(dir / "top.json");
    QCOMPARE(c.optimizer.lr, 0.02);          // mid overrides base
    QCOMPARE(c.optimizer.warmupSteps, std::int64_t{5});  // kept from base (objects merge)
    QCOMPARE(c.optimizer.gradClip, 0.5);     // top
    QCOMPARE(c.epochs, 2);
    QCOMPARE(c.seed, std::int64_t{3});
    QCOMPARE(std::string(flower::run::toString(c.method)), std::string(flower::run::toString(flower::run::Method::Sft)));
    QCOMPARE(c.name, std::string("top"));    // default name: the loaded file's stem
    QCOMPARE(c.optimizer.beta1, 0.9);        // default
}

void TestExperimentConfig::extendsCycleIsAnError() {
    const fs::path dir = freshDir("cycle");
    write(dir / "a.json", R"({"extends": "b.json"})");
    write(dir / "b.json", R"({"extends": "a.json"})");
    const std::string e = errorOf([&] { ExperimentConfig::load(dir / "a.json"); });
    QVERIFY2(contains(e, "extends cycle"), e.c_str());
    QVERIFY2(contains(e, "a.json → ") && contains(e, "b.json → "), e.c_str());
}

void TestExperimentConfig::extendsMissingFileIsAnError() {
    const fs::path dir = freshDir("missing");
    write(dir / "a.json", R"({"extends": "nope.json"})");
    const std::string e = errorOf([&] { ExperimentConfig::load(dir / "a.json"); });
    QCOMPARE(e, (dir / "a.json").string() + ", field extends: \"nope.json\" does not exist (looked for " +
                    (dir / "nope.json").string() + ")");
}

void TestExperimentConfig::thetaConvertsToLambda() {
    const fs::path dir = freshDir("theta");
    write(dir / "a.json", R"({"theta": 0.8})");
    const ExperimentConfig c = ExperimentConfig::load(dir / "a.json");
    QCOMPARE(c.lambda, 0.25);  // (1 - 0.8) / 0.8
    QCOMPARE(c.theta(), 0.8);
    QVERIFY(!c.toJson().contains("theta"));
    write(dir / "b.json", R"({"theta": 0})");
    QVERIFY(std::isinf(ExperimentConfig::load(dir / "b.json").lambda));
}

void TestExperimentConfig::thetaAndLambdaInOneFileIsAnError() {
    const fs::path dir = freshDir("both");
    write(dir / "a.json", R"({"theta": 0.9, "lambda": 0.1})");
    const std::string e = errorOf([&] { ExperimentConfig::load(dir / "a.json"); });
    QCOMPARE(e, (dir / "a.json").string() +
                    ", field theta: give either lambda (L = L_SFT + λ·L_SubTB) or theta "
                    "(θ = 1/(1+λ)), not both");
}

void TestExperimentConfig::laterLayerChoosesThetaOrLambda() {
    const fs::path dir = freshDir("layers");
    write(dir / "base.json", R"({"lambda": 3})");
    write(dir / "child.json", R"({"extends": "base.json", "theta": 0.5})");
    QCOMPARE(ExperimentConfig::load(dir / "child.json").lambda, 1.0);
    QCOMPARE(ExperimentConfig::load(dir / "child.json", {"lambda=2"}).lambda, 2.0);
}

void TestExperimentConfig::setOverridesValues() {
    const fs::path dir = freshDir("set");
    write(dir / "a.json", R"({"method": "flower", "optimizer": {"lr": 0.1, "warmup_steps": 7}})");
    const ExperimentConfig c = ExperimentConfig::load(
        dir / "a.json",
        {"method=sft", "optimizer.lr=0.01", "evaluation.k=[1,2]", "name=123", "seed=9"});
    QCOMPARE(std::string(flower::run::toString(c.method)), std::string(flower::run::toString(flower::run::Method::Sft)));
    QCOMPARE(c.optimizer.lr, 0.01);
    QCOMPARE(c.optimizer.warmupSteps, std::int64_t{7});
    QCOMPARE(c.evaluation.k, std::vector<int>({1, 2}));
    QCOMPARE(c.name, std::string("123"));  // a string field keeps the text
    QCOMPARE(c.seed, std::int64_t{9});
    const std::string e = errorOf([&] { ExperimentConfig::load(dir / "a.json", {"seed=abc"}); });
    QCOMPARE(e, std::string("--set seed=abc, field seed: expected an integer, got a string \"abc\""));
}

void TestExperimentConfig::setUnknownKeySuggests() {
    const fs::path dir = freshDir("setunknown");
    write(dir / "a.json", "{}");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json", {"optimiser.lr=1"}); }),
             std::string("--set, field optimiser.lr: unknown key \"optimiser\" (did you mean "
                         "\"optimizer\"?)"));
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json", {"seed"}); }),
             std::string("--set: expected key.sub=value, got \"seed\""));
}

void TestExperimentConfig::badMethodNamesFileAndField() {
    const fs::path dir = freshDir("method");
    write(dir / "rq2.json", R"({"method": "flowr"})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "rq2.json"); }),
             (dir / "rq2.json").string() +
                 ", field method: \"flowr\" is not one of sft, flower, sft_temperature, ifairlrs");
}

void TestExperimentConfig::badValueNamesTheFileThatSetIt() {
    const fs::path dir = freshDir("origin");
    write(dir / "base.json", R"({"optimizer": {"schedule": "cosin"}})");
    write(dir / "child.json", R"({"extends": "base.json", "optimizer": {"lr": 0.5}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "child.json"); }),
             (dir / "base.json").string() +
                 ", field optimizer.schedule: \"cosin\" is not one of constant, linear, cosine");
}

void TestExperimentConfig::unknownKeySuggestsClosest() {
    const fs::path dir = freshDir("unknown");
    write(dir / "a.json", R"({"optimiser": {}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() +
                 ", field optimiser: unknown key \"optimiser\" (did you mean \"optimizer\"?)");
}

void TestExperimentConfig::unknownNestedKeyListsKnown() {
    const fs::path dir = freshDir("nested");
    write(dir / "a.json", R"({"early_stopping": {"zzzz": 1}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() +
                 ", field early_stopping.zzzz: unknown key \"zzzz\" (known: patience, metric, mode)");
}

void TestExperimentConfig::wrongTypeIsAnError() {
    const fs::path dir = freshDir("type");
    write(dir / "a.json", R"({"epochs": "7"})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() + ", field epochs: expected an integer, got a string \"7\"");
    write(dir / "b.json", R"({"gradient_checkpointing": 1})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "b.json"); }),
             (dir / "b.json").string() + ", field gradient_checkpointing: expected true or false, got an integer 1");
}

void TestExperimentConfig::outOfRangeIsAnError() {
    const fs::path dir = freshDir("range");
    write(dir / "a.json", R"({"optimizer": {"lr": 0}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() + ", field optimizer.lr: expected a number in (0.0, ∞), got 0");
    write(dir / "b.json", R"({"optimizer": {"betas": [0.9, 1.0]}})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "b.json"); }),
             (dir / "b.json").string() +
                 ", field optimizer.betas: expected [β1, β2], two numbers in [0, 1), got [0.9,1.0]");
}

void TestExperimentConfig::batchNotMultipleOfMicroBatch() {
    const fs::path dir = freshDir("batch");
    write(dir / "a.json", R"({"batch_size": 10, "micro_batch_size": 4})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() +
                 ", field micro_batch_size: batch_size 10 is not a multiple of micro_batch_size 4");
}

void TestExperimentConfig::neverStoppingRunIsAnError() {
    const fs::path dir = freshDir("stop");
    write(dir / "a.json", R"({"epochs": 0, "max_steps": 0})");
    QVERIFY(contains(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
                     "field epochs: epochs and max_steps are both 0"));
}

void TestExperimentConfig::badSyntheticSpec() {
    const fs::path dir = freshDir("synthetic");
    write(dir / "a.json", R"({"dataset": "synthetic:items=10,user=5"})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() +
                 ", field dataset: synthetic spec part \"user=5\" is not key=value with key one of "
                 "items, users, seed, zipf (did you mean \"users\"?)");
    write(dir / "b.json", R"({"dataset": "synthetic:items=1.5"})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "b.json"); }),
             (dir / "b.json").string() +
                 ", field dataset: synthetic spec: items must be a positive integer, got \"1.5\"");
}

void TestExperimentConfig::unknownModelPreset() {
    const fs::path dir = freshDir("model");
    write(dir / "a.json", R"({"model": "Qwen2.5-1.5b"})");
    const std::string e = errorOf([&] { ExperimentConfig::load(dir / "a.json"); });
    QVERIFY2(contains(e, "field model: \"Qwen2.5-1.5b\" is neither a preset"), e.c_str());
    QVERIFY2(contains(e, "did you mean \"Qwen2.5-1.5B\"?"), e.c_str());
}

void TestExperimentConfig::rq1TargetNeedsHistoryFreePrompt() {
    const fs::path dir = freshDir("rq1");
    write(dir / "a.json", R"({"rq1_target": "t.json"})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() +
                 ", field rq1_target: history-free fitting (rq1_target) needs prompt_template "
                 "\"history_free\", got \"bigrec\"");
}

// A synthetic dataset has no folder: its target is its own history counts (rq1_target "").
void TestExperimentConfig::rq1TargetFileNeedsADatasetFolder() {
    const fs::path dir = freshDir("rq1synthetic");
    write(dir / "a.json", R"({"prompt_template": "history_free", "rq1_target": "t.json"})");
    QCOMPARE(errorOf([&] { ExperimentConfig::load(dir / "a.json"); }),
             (dir / "a.json").string() +
                 ", field rq1_target: \"t.json\" is relative to the dataset folder, but the dataset "
                 "is synthetic (no folder); leave rq1_target out to fit the dataset's "
                 "training-history counts");
    write(dir / "b.json", R"({"prompt_template": "history_free"})");
    QCOMPARE(ExperimentConfig::load(dir / "b.json").rq1Target, std::string());
}

void TestExperimentConfig::invalidJsonReportsPosition() {
    const fs::path dir = freshDir("json");
    write(dir / "a.json", "{\n  \"seed\": 1,\n  \"epochs\" 3\n}");
    const std::string e = errorOf([&] { ExperimentConfig::load(dir / "a.json"); });
    QVERIFY2(e.rfind((dir / "a.json").string() + ": not valid JSON: ", 0) == 0, e.c_str());
    QVERIFY2(contains(e, "line 3"), e.c_str());
}

void TestExperimentConfig::relativePathsFollowTheirFile() {
    const fs::path dir = freshDir("paths");
    write(dir / "sub/base.json", R"({"tokenizer": "tok/tokenizer.json", "model": "tiny"})");
    write(dir / "a.json", R"({"extends": "sub/base.json", "dataset": "../data/Movies"})");
    const ExperimentConfig c = ExperimentConfig::load(dir / "a.json");
    QCOMPARE(c.tokenizer, (fs::absolute(dir) / "sub/tok/tokenizer.json").lexically_normal().string());
    QCOMPARE(c.dataset, (fs::absolute(dir) / "../data/Movies").lexically_normal().string());
    QCOMPARE(c.model, std::string("tiny"));  // a preset, not a path
}

void TestExperimentConfig::everyExperimentFileResolves() {
    const fs::path dir = FLOWER_EXPERIMENTS_DIR;
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") {
            continue;
        }
        ++files;
        const std::string shown = entry.path().filename().string();
        ExperimentConfig c;
        try {
            c = ExperimentConfig::load(entry.path());
        } catch (const flower::Error& e) {
            QFAIL((shown + ": " + e.what()).c_str());
        }
        QVERIFY2(!c.name.empty(), shown.c_str());
        // The resolved JSON is itself a valid config that resolves to the same thing.
        QCOMPARE(ExperimentConfig::fromJson(c.toJson(), shown).toJson().dump(), c.toJson().dump());
        std::ifstream in(entry.path());
        int lines = 0;
        for (std::string line; std::getline(in, line);) {
            ++lines;
        }
        QVERIFY2(lines <= 60, (shown + " has more than 60 lines").c_str());
    }
    QVERIFY(files >= 10);
    const auto cds = ExperimentConfig::load(dir / "rq2-cds.json");
    QCOMPARE(cds.dataset, std::string("CDs_and_Vinyl"));
    QCOMPARE(cds.lambda, (1 - 0.999) / 0.999);
    QCOMPARE(std::string(flower::run::toString(cds.rewardVariant)), std::string(flower::run::toString(flower::run::RewardVariant::FlowDivPref)));
    const auto n150 = ExperimentConfig::load(dir / "rq4-granularity-150.json");
    QCOMPARE(n150.granularity, 150);
    QCOMPARE(n150.theta(), 0.9995);
    QCOMPARE(n150.dataset, std::string("Video_Games"));
    QCOMPARE(std::string(flower::run::toString(n150.rewardVariant)), std::string(flower::run::toString(flower::run::RewardVariant::Flow)));
    const auto temp = ExperimentConfig::load(dir / "rq2-movies-temp.json");
    QCOMPARE(std::string(flower::run::toString(temp.method)), std::string(flower::run::toString(flower::run::Method::Sft)));
    QCOMPARE(temp.evaluation.temperature, 1.5);
    QVERIFY(temp.evaluation.decoding == flower::run::Decoding::Temp);
    QVERIFY(std::isinf(ExperimentConfig::load(dir / "rq1-movies100.json").lambda));
    // table_row names the paper table's row; it is inherited, kept in the resolved JSON, and
    // empty (derived) unless a file sets it.
    const auto flower = ExperimentConfig::load(dir / "rq2-cds-flower.json");
    QCOMPARE(flower.tableRow, std::string("Flower"));
    QCOMPARE(flower.toJson().at("table_row").get<std::string>(), std::string("Flower"));
    QCOMPARE(ExperimentConfig::load(dir / "rq2-cds-flower-div-pref.json").tableRow, std::string());
}

FLOWER_TEST_MAIN(TestExperimentConfig, defaultsRoundTrip, changedValuesRoundTrip, rolloutOptionsAreChecked,
                 evaluationDefaultsFollowTheDecoding, evaluationValuesAreChecked,
                 extendsMergesObjectsAndChains, extendsCycleIsAnError, extendsMissingFileIsAnError,
                 thetaConvertsToLambda, thetaAndLambdaInOneFileIsAnError,
                 laterLayerChoosesThetaOrLambda, setOverridesValues, setUnknownKeySuggests,
                 badMethodNamesFileAndField, badValueNamesTheFileThatSetIt,
                 unknownKeySuggestsClosest, unknownNestedKeyListsKnown, wrongTypeIsAnError,
                 outOfRangeIsAnError, batchNotMultipleOfMicroBatch, neverStoppingRunIsAnError,
                 badSyntheticSpec, unknownModelPreset, rq1TargetNeedsHistoryFreePrompt,
                 rq1TargetFileNeedsADatasetFolder,
                 invalidJsonReportsPosition, relativePathsFollowTheirFile,
                 everyExperimentFileResolves)
#ifdef FLOWER_TEST_QT
#include "test_experiment_config.moc"
#endif
