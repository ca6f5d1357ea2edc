// assembleRun: the run options that reach the model (the shipped rq1-synthetic experiment, shrunk
// to the nano preset). Needs the default tokenizer (scripts/setup.sh fetches it); skips without.
#include "core/data/dataset.h"
#include "core/data/synthetic_catalog.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/experiment_config.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/bigrec_data.h"
#include "core/train/run_assembly.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

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
    void promptNamesTheDatasetsCategory();
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

// A BIGRec run on a folder named CDs_and_Vinyl reads the reference's CDs prompt ("musics"),
// one named Movies_and_TV the Movies words (core/text/category_words.h).
void TestRunAssembly::promptNamesTheDatasetsCategory() {
    if (!std::filesystem::exists(flower::util::defaultTokenizerPath())) {
        QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    }
    flower::data::SyntheticConfig synth;
    synth.items = 30;
    synth.users = 40;
    const auto dataset = flower::data::generateSynthetic(synth).dataset;
    flower::test::TempDir dir("assembly");
    for (const auto& [name, words] : {std::pair<std::string, std::string>{"CDs_and_Vinyl", "musicss"},
                                      {"Movies_and_TV", "following movies before"}}) {
        flower::data::writeDataset(dataset, dir.path() / name);
        const auto config = ExperimentConfig::load(
            std::filesystem::path(FLOWER_EXPERIMENTS_DIR) / "rq2-movies-bigrec.json",
            {"model=nano", "device=cpu", "dtype=float32", "dataset=" + (dir.path() / name).string()});
        const auto run = flower::train::assembleRun(config);
        const auto& data = dynamic_cast<const flower::train::BigRecData&>(*run.data);
        const auto ids = data.promptIds(flower::train::Split::Train, 0);
        const std::string prompt = run.tokenizer->decode(run.vocabulary->toTokenizer(ids));
        QVERIFY2(prompt.find(words) != std::string::npos, prompt.c_str());
    }
}

FLOWER_TEST_MAIN(TestRunAssembly, gradientCheckpointingReachesTheModel, promptNamesTheDatasetsCategory)
#ifdef FLOWER_TEST_QT
#include "test_run_assembly.moc"
#endif
