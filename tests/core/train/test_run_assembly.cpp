// assembleRun: the run options that reach the model (the shipped rq1-synthetic experiment, shrunk
// to the nano preset). Needs the default tokenizer (scripts/setup.sh fetches it); skips without.
#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/experiment_config.h"
#include "core/train/run_assembly.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"

#include <filesystem>

using flower::run::ExperimentConfig;

namespace {

std::optional<ExperimentConfig> nanoRq1(const std::vector<std::string>& overrides) {
    if (!std::filesystem::exists(flower::util::defaultTokenizerPath())) return std::nullopt;
    std::vector<std::string> all = {"model=nano", "device=cpu"};
    all.insert(all.end(), overrides.begin(), overrides.end());
    return ExperimentConfig::load(std::filesystem::path(FLOWER_EXPERIMENTS_DIR) / "rq1-synthetic.json", all);
}

}  // namespace

class TestRunAssembly : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gradientCheckpointingReachesTheModel();
};

void TestRunAssembly::gradientCheckpointingReachesTheModel() {
    const auto off = nanoRq1({});
    if (!off) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    QVERIFY(!flower::train::assembleRun(*off).model->gradientCheckpointing());
    const auto on = nanoRq1({"gradient_checkpointing=true"});
    const auto run = flower::train::assembleRun(*on);
    QVERIFY(run.model->gradientCheckpointing());
    QCOMPARE(run.device, std::string("cpu"));
}

FLOWER_TEST_MAIN(TestRunAssembly, gradientCheckpointingReachesTheModel)
#ifdef FLOWER_TEST_QT
#include "test_run_assembly.moc"
#endif
