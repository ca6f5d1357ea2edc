// SweepConfig: the expansion against hand-written lists (grid × zip order, names, values that
// reach the config), linspace/logspace values worked out by hand, every refused input by name.
#include "core/run/sweep_config.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using flower::run::ExperimentConfig;
using flower::run::SweepConfig;
using flower::test::contains;
using flower::test::errorOf;
namespace fs = std::filesystem;

namespace {

const char* kBase = R"({"method": "flower", "max_steps": 5, "seed": 7})";

// A sweep file beside a base experiment in a fresh folder; returns the sweep's path.
fs::path sweepFile(const flower::test::TempDir& dir, const std::string& sweep) {
    dir.write("exp/base.json", kBase);
    return dir.write("sweeps/s.json", sweep);
}

std::string sweepError(const std::string& sweep) {
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, sweep);
    return errorOf([&] { SweepConfig::load(file).expand(); });
}

}  // namespace

class TestSweepConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gridTimesZipInOrder();
    void valuesReachTheConfig();
    void linspaceAndLogspaceValues();
    void pathsAreRelativeToTheSweepFile();
    void resolvedExperimentStandsAlone();
    void sweepFileRoundTrips();
    void groupByKeysDropTheSeed();
    void experimentKeysAreTheSetKeys();
    void unknownKeyIsRefusedByName();
    void unknownTopLevelKeyIsRefused();
    void emptyAxisIsRefused();
    void zipAxesOfUnequalLength();
    void keyInGridAndZip();
    void keyInSetAndGrid();
    void badLinspaceSpecs();
    void missingExperiment();
    void noAxisIsRefused();
    void nameCannotBeVaried();
    void duplicateValueIsRefused();
    void badValueNamesThePoint();
    void everySweepFileExpands();
};

// grid: last key fastest; zip: index i of each axis together, inside each grid point.
void TestSweepConfig::gridTimesZipInOrder() {
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, R"({
        "experiment": "../exp/base.json",
        "set": {"max_steps": 3},
        "grid": {"lambda": [0.01, 0.1], "seed": [1, 2, 3]},
        "zip": {"optimizer.lr": [0.0001, 0.0003], "reward.granularity": [1, 5]}})");
    const SweepConfig s = SweepConfig::load(file);
    QCOMPARE(s.name, std::string("s"));
    QCOMPARE(s.size(), std::size_t{12});
    QCOMPARE(s.variedKeys(), std::vector<std::string>({"lambda", "seed", "optimizer.lr",
                                                       "reward.granularity"}));
    const std::vector<std::string> expected = {
        "s/lambda=0.01,seed=1,optimizer.lr=0.0001,reward.granularity=1",
        "s/lambda=0.01,seed=1,optimizer.lr=0.0003,reward.granularity=5",
        "s/lambda=0.01,seed=2,optimizer.lr=0.0001,reward.granularity=1",
        "s/lambda=0.01,seed=2,optimizer.lr=0.0003,reward.granularity=5",
        "s/lambda=0.01,seed=3,optimizer.lr=0.0001,reward.granularity=1",
        "s/lambda=0.01,seed=3,optimizer.lr=0.0003,reward.granularity=5",
        "s/lambda=0.1,seed=1,optimizer.lr=0.0001,reward.granularity=1",
        "s/lambda=0.1,seed=1,optimizer.lr=0.0003,reward.granularity=5",
        "s/lambda=0.1,seed=2,optimizer.lr=0.0001,reward.granularity=1",
        "s/lambda=0.1,seed=2,optimizer.lr=0.0003,reward.granularity=5",
        "s/lambda=0.1,seed=3,optimizer.lr=0.0001,reward.granularity=1",
        "s/lambda=0.1,seed=3,optimizer.lr=0.0003,reward.granularity=5",
    };
    const auto resolved = s.expand();
    QCOMPARE(resolved.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(resolved[i].name, expected[i]);
        QCOMPARE(resolved[i].config.name, expected[i]);
        QCOMPARE(resolved[i].index, i);
    }
    // The point of run 9 (0-based): lambda 0.1 (grid digit 1), seed 2, zip index 1.
    const auto& p = resolved[9].point;
    QCOMPARE(p.size(), std::size_t{4});
    QCOMPARE(p[0].second, std::string("0.1"));
    QCOMPARE(p[1].second, std::string("2"));
    QCOMPARE(p[2].second, std::string("0.0003"));
    QCOMPARE(p[3].second, std::string("5"));
}

void TestSweepConfig::valuesReachTheConfig() {
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, R"({
        "name": "rv", "experiment": "../exp/base.json",
        "set": {"max_steps": 3, "evaluation.beams": 4},
        "grid": {"reward.variant": ["flow", "flow_div_pref"], "lambda": ["inf", 0.5]}})");
    const auto r = SweepConfig::load(file).expand();
    QCOMPARE(r.size(), std::size_t{4});
    QCOMPARE(r[0].name, std::string("rv/reward.variant=flow,lambda=inf"));
    QCOMPARE(r[3].name, std::string("rv/reward.variant=flow_div_pref,lambda=0.5"));
    for (const auto& e : r) {
        QCOMPARE(e.config.maxSteps, std::int64_t{3});
        QCOMPARE(e.config.evaluation.beams, 4);
        QCOMPARE(e.config.seed, std::int64_t{7});  // the base's, untouched
    }
    QVERIFY(std::isinf(r[0].config.lambda));
    QCOMPARE(r[1].config.lambda, 0.5);
    QVERIFY(r[0].config.rewardVariant == flower::run::RewardVariant::Flow);
    QVERIFY(r[2].config.rewardVariant == flower::run::RewardVariant::FlowDivPref);
    // The overrides are what `--set` gets, in order: set, point, name.
    QCOMPARE(r[1].overrides, std::vector<std::string>({"max_steps=3", "evaluation.beams=4",
                                                       "reward.variant=flow", "lambda=0.5",
                                                       "name=rv/reward.variant=flow,lambda=0.5"}));
}

// linspace(0, 1, 5) = 0, 0.25, 0.5, 0.75, 1; 0.3/3·k shows the rounding; logspace(-3, -1, 3) =
// 10^-3, 10^-2, 10^-1; integral values are integers (a seed axis).
void TestSweepConfig::linspaceAndLogspaceValues() {
    using flower::run::axisValues;
    QCOMPARE(axisValues(R"({"linspace": [0, 1, 5]})", "f", "grid.x"),
             std::vector<std::string>({"0", "0.25", "0.5", "0.75", "1"}));
    QCOMPARE(axisValues(R"({"linspace": [0, 0.3, 4]})", "f", "grid.x"),
             std::vector<std::string>({"0", "0.1", "0.2", "0.3"}));
    QCOMPARE(axisValues(R"({"linspace": [1, 3, 3]})", "f", "grid.seed"),
             std::vector<std::string>({"1", "2", "3"}));
    QCOMPARE(axisValues(R"({"linspace": [2.5, 9, 1]})", "f", "grid.x"),
             std::vector<std::string>({"2.5"}));
    QCOMPARE(axisValues(R"({"logspace": [-3, -1, 3]})", "f", "grid.lambda"),
             std::vector<std::string>({"0.001", "0.01", "0.1"}));
    QCOMPARE(axisValues(R"({"logspace": [0, 2, 5]})", "f", "grid.x"),
             std::vector<std::string>({"1", "3.16227766016838", "10", "31.6227766016838", "100"}));
    QCOMPARE(axisValues(R"(["a", 1, 2.5])", "f", "grid.x"),
             std::vector<std::string>({"\"a\"", "1", "2.5"}));
    // A seed axis from linspace reaches the integer field.
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, R"({"experiment": "../exp/base.json",
        "grid": {"seed": {"linspace": [1, 3, 3]}}})");
    const auto r = SweepConfig::load(file).expand();
    QCOMPARE(r.size(), std::size_t{3});
    QCOMPARE(r[2].config.seed, std::int64_t{3});
    QCOMPARE(r[2].name, std::string("s/seed=3"));
}

void TestSweepConfig::pathsAreRelativeToTheSweepFile() {
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, R"({"experiment": "../exp/base.json",
        "set": {"tokenizer": "tok/tokenizer.json"},
        "grid": {"dataset": ["data/a", "synthetic:items=50,users=100,seed=1,zipf=1.1"]}})");
    const auto r = SweepConfig::load(file).expand();
    const fs::path sweeps = fs::absolute(dir.path() / "sweeps");
    QCOMPARE(r[0].config.dataset, (sweeps / "data/a").lexically_normal().string());
    QCOMPARE(r[1].config.dataset, std::string("synthetic:items=50,users=100,seed=1,zipf=1.1"));
    QCOMPARE(r[0].config.tokenizer, (sweeps / "tok/tokenizer.json").lexically_normal().string());
    QCOMPARE(SweepConfig::load(file).experiment,
             (sweeps / "../exp/base.json").lexically_normal());
}

// A point written as an experiment file resolves to the same config (Slurm tasks read these).
void TestSweepConfig::resolvedExperimentStandsAlone() {
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, R"({"experiment": "../exp/base.json",
        "grid": {"lambda": [0.2], "optimizer.lr": [0.001]}})");
    const auto r = SweepConfig::load(file).expand();
    const fs::path standalone = dir.write("point.json", r[0].toJson().dump(2));
    const ExperimentConfig back = ExperimentConfig::load(standalone);
    QCOMPARE(back.toJson().dump(), r[0].config.toJson().dump());
    QCOMPARE(back.lambda, 0.2);
    QCOMPARE(back.optimizer.lr, 0.001);
    QCOMPARE(back.name, std::string("s/lambda=0.2,optimizer.lr=0.001"));
}

void TestSweepConfig::sweepFileRoundTrips() {
    flower::test::TempDir dir("sweep");
    const fs::path file = sweepFile(dir, R"({"name": "n", "experiment": "../exp/base.json",
        "set": {"max_steps": 2}, "grid": {"seed": [3, 1]}, "zip": {"lambda": {"logspace": [-2, -1, 2]}}})");
    const SweepConfig s = SweepConfig::load(file);
    const fs::path copy = dir.write("elsewhere/copy.json", s.toJsonText());
    const SweepConfig back = SweepConfig::load(copy);
    QCOMPARE(back.name, std::string("n"));
    QCOMPARE(back.points(), s.points());
    QCOMPARE(back.experiment, s.experiment);
    QCOMPARE(back.set, s.set);
    QCOMPARE(nlohmann::json::parse(s.axesJson()).dump(),
             std::string(R"({"grid":{"seed":[3,1]},"set":{"max_steps":2},"zip":{"lambda":[0.01,0.1]}})"));
}

void TestSweepConfig::groupByKeysDropTheSeed() {
    QCOMPARE(flower::run::sweepGroupByKeys({"lambda", "seed", "reward.variant"}),
             std::vector<std::string>({"lambda", "reward.variant"}));
    QCOMPARE(flower::run::sweepGroupByKeys({"seed"}), std::vector<std::string>{});
}

void TestSweepConfig::experimentKeysAreTheSetKeys() {
    const auto keys = flower::run::experimentKeys();
    for (const char* k : {"lambda", "theta", "seed", "reward.variant", "reward.granularity",
                          "optimizer.lr", "rollout.offline_decay.step", "evaluation.beams"}) {
        QVERIFY2(std::find(keys.begin(), keys.end(), k) != keys.end(), k);
    }
    QVERIFY(std::find(keys.begin(), keys.end(), "name") == keys.end());
    QVERIFY(std::is_sorted(keys.begin(), keys.end()));
}

void TestSweepConfig::unknownKeyIsRefusedByName() {
    const std::string top = sweepError(R"({"experiment": "../exp/base.json", "grid": {"lamda": [1]}})");
    QVERIFY2(contains(top, "s.json, field grid.lamda") && contains(top, "did you mean \"lambda\""),
             top.c_str());
    const std::string nested = sweepError(
        R"({"experiment": "../exp/base.json", "grid": {"seed": [1]}, "zip": {"optimizer.lrr": [1]}})");
    QVERIFY2(contains(nested, "field zip.optimizer.lrr") && contains(nested, "\"lrr\"") &&
                 contains(nested, "did you mean \"lr\""),
             nested.c_str());
    const std::string set = sweepError(
        R"({"experiment": "../exp/base.json", "set": {"max_step": 1}, "grid": {"seed": [1]}})");
    QVERIFY2(contains(set, "field set.max_step") && contains(set, "max_steps"), set.c_str());
}

void TestSweepConfig::unknownTopLevelKeyIsRefused() {
    const std::string e = sweepError(R"({"experiment": "../exp/base.json", "grdi": {"seed": [1]}})");
    QVERIFY2(contains(e, "field grdi") && contains(e, "did you mean \"grid\""), e.c_str());
}

void TestSweepConfig::emptyAxisIsRefused() {
    const std::string e = sweepError(R"({"experiment": "../exp/base.json", "grid": {"seed": []}})");
    QVERIFY2(contains(e, "field grid.seed") && contains(e, "empty axis"), e.c_str());
}

void TestSweepConfig::zipAxesOfUnequalLength() {
    const std::string e = sweepError(
        R"({"experiment": "../exp/base.json", "zip": {"seed": [1, 2, 3], "lambda": [0.1, 0.2]}})");
    QVERIFY2(contains(e, "field zip.lambda") && contains(e, "has 2 values but zip.seed has 3"),
             e.c_str());
}

void TestSweepConfig::keyInGridAndZip() {
    const std::string e = sweepError(
        R"({"experiment": "../exp/base.json", "grid": {"seed": [1]}, "zip": {"seed": [2]}})");
    QVERIFY2(contains(e, "field zip.seed") && contains(e, "also given as grid.seed"), e.c_str());
}

void TestSweepConfig::keyInSetAndGrid() {
    const std::string e = sweepError(
        R"({"experiment": "../exp/base.json", "set": {"seed": 4}, "grid": {"seed": [1]}})");
    QVERIFY2(contains(e, "field grid.seed") && contains(e, "also given as set.seed"), e.c_str());
}

void TestSweepConfig::badLinspaceSpecs() {
    for (const char* spec : {R"({"linspace": [0, 1]})", R"({"linspace": [0, 1, 2.5]})",
                             R"({"logspace": ["a", 1, 3]})", R"({"linspace": [0, 1, 0]})",
                             R"({"range": [0, 1, 3]})", R"(0.5)"}) {
        const std::string e = sweepError(std::string(R"({"experiment": "../exp/base.json", "grid": {"lambda": )") +
                                         spec + "}}");
        QVERIFY2(contains(e, "field grid.lambda") &&
                     (contains(e, "expected") || contains(e, "needs 1 ≤ n")),
                 (std::string(spec) + " → " + e).c_str());
    }
    const std::string n0 = sweepError(R"({"experiment": "../exp/base.json", "grid": {"lambda": {"linspace": [0, 1, 0]}}})");
    QVERIFY2(contains(n0, "n = 0"), n0.c_str());
}

void TestSweepConfig::missingExperiment() {
    const std::string none = sweepError(R"({"grid": {"seed": [1]}})");
    QVERIFY2(contains(none, "field experiment"), none.c_str());
    const std::string absent = sweepError(R"({"experiment": "nope.json", "grid": {"seed": [1]}})");
    QVERIFY2(contains(absent, "field experiment") && contains(absent, "\"nope.json\" does not exist"),
             absent.c_str());
}

void TestSweepConfig::noAxisIsRefused() {
    const std::string e = sweepError(R"({"experiment": "../exp/base.json", "set": {"seed": 1}})");
    QVERIFY2(contains(e, "at least one axis"), e.c_str());
}

void TestSweepConfig::nameCannotBeVaried() {
    const std::string e = sweepError(R"({"experiment": "../exp/base.json", "grid": {"name": ["a"]}})");
    QVERIFY2(contains(e, "field grid.name") && contains(e, "sweep names its runs"), e.c_str());
}

void TestSweepConfig::duplicateValueIsRefused() {
    const std::string e = sweepError(R"({"experiment": "../exp/base.json", "grid": {"seed": [1, 2, 1]}})");
    QVERIFY2(contains(e, "field grid.seed") && contains(e, "appears twice"), e.c_str());
}

// A value only the experiment's validation can judge: the error names the point's run.
void TestSweepConfig::badValueNamesThePoint() {
    const std::string e = sweepError(
        R"({"experiment": "../exp/base.json", "grid": {"method": ["sft", "flowr"]}})");
    QVERIFY2(contains(e, "run s/method=flowr") && contains(e, "method") && contains(e, "flowr"),
             e.c_str());
}

// experiments/sweeps/*.json expand; the demo's λ × seed sweep gives the six runs of its README.
void TestSweepConfig::everySweepFileExpands() {
    const fs::path dir = fs::path(FLOWER_EXPERIMENTS_DIR) / "sweeps";
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".json") continue;
        ++files;
        const auto r = SweepConfig::load(entry.path()).expand();
        QVERIFY2(!r.empty(), entry.path().c_str());
    }
    QVERIFY(files >= 1);
    const auto demo = SweepConfig::load(dir / "demo-lambda-seeds.json").expand();
    std::vector<std::string> names;
    for (const auto& e : demo) names.push_back(e.name);
    QCOMPARE(names, std::vector<std::string>({"demo-lambda-seeds/lambda=0.01,seed=1",
                                              "demo-lambda-seeds/lambda=0.01,seed=2",
                                              "demo-lambda-seeds/lambda=0.01,seed=3",
                                              "demo-lambda-seeds/lambda=0.1,seed=1",
                                              "demo-lambda-seeds/lambda=0.1,seed=2",
                                              "demo-lambda-seeds/lambda=0.1,seed=3"}));
    QCOMPARE(demo[0].config.maxSteps, std::int64_t{100});
    QCOMPARE(demo[0].config.evaluation.everySteps, std::int64_t{50});
    QCOMPARE(demo[0].config.model, std::string("tiny"));  // the demo's
}

FLOWER_TEST_MAIN(TestSweepConfig, gridTimesZipInOrder, valuesReachTheConfig,
                 linspaceAndLogspaceValues, pathsAreRelativeToTheSweepFile,
                 resolvedExperimentStandsAlone, sweepFileRoundTrips, groupByKeysDropTheSeed,
                 experimentKeysAreTheSetKeys, unknownKeyIsRefusedByName,
                 unknownTopLevelKeyIsRefused, emptyAxisIsRefused, zipAxesOfUnequalLength,
                 keyInGridAndZip, keyInSetAndGrid, badLinspaceSpecs, missingExperiment,
                 noAxisIsRefused, nameCannotBeVaried, duplicateValueIsRefused,
                 badValueNamesThePoint, everySweepFileExpands)
#ifdef FLOWER_TEST_QT
#include "test_sweep_config.moc"
#endif
