// The Flows tab's policy panel (offscreen): a nano policy of a small synthetic BIGRec
// experiment, saved as a checkpoint folder here, in slot A; the bars drawn for a state equal
// the target F(child)/F(state) and the probabilities a PolicyProbe of the same checkpoint
// computes in the test (tests/core/train/test_policy_probe.cpp checks those against full
// forwards), trie-renormalised or over the whole vocabulary with the toggle; more than 12
// children end in one "other" bar holding the rest; a folder that is no checkpoint in slot B is
// that slot's error while A still draws; the view lists the graph and both charts for export.
// Needs the default tokenizer (scripts/setup.sh fetches it); skips without.
#include "widgets/flow_explorer_view.h"
#include "widgets/policy_panel.h"

#include "core/model/qwen2_checkpoint.h"
#include "core/run/experiment_config.h"
#include "core/text/vocabulary_map.h"
#include "core/train/flow_explorer_assembly.h"
#include "core/train/policy_probe.h"
#include "core/train/run_assembly.h"
#include "core/util/paths.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"

#include <QSignalSpy>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace flower;
using flow::FlowExplorer;
using widgets::PolicyPanel;

namespace {

namespace fs = std::filesystem;

run::ExperimentConfig smallConfig() {
    return run::ExperimentConfig::load(fs::path(FLOWER_EXPERIMENTS_DIR) / "demo.json",
                                       {"model=nano", "device=cpu", "dtype=float32",
                                        "dataset=synthetic:items=60,users=150,seed=5,zipf=1.1"});
}

void writeCheckpoint(const run::ExperimentConfig& c, const fs::path& dir) {
    auto run = train::assembleRun(c);
    fs::create_directories(dir);
    model::saveQwen2(*run.model, dir);
    run.vocabulary->save(dir / "vocabulary_map.json");
    std::ofstream(dir / "experiment.json") << c.toJson().dump(2);
}

bool waitForResult(PolicyPanel& panel) {
    QSignalSpy shown(&panel, &PolicyPanel::resultShown);
    for (int i = 0; i < 300 && panel.isComputing(); ++i) shown.wait(100);
    return !panel.isComputing();
}

bool near(double a, double b) { return std::abs(a - b) <= 1e-9 + 1e-7 * std::abs(b); }

}  // namespace

class TestPolicyPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void barsEqualTheProbe();
};

void TestPolicyPanel::barsEqualTheProbe() {
    if (!fs::exists(util::defaultTokenizerPath())) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    test::TempDir dir("policy-panel");
    const auto config = smallConfig();
    writeCheckpoint(config, dir.path() / "best");
    auto explorer = std::make_shared<const FlowExplorer>(train::openFlowExplorer(config));
    const auto root = explorer->root();
    const auto children = explorer->children(root);
    QVERIFY(children.size() > static_cast<std::size_t>(PolicyPanel::kShownChildren));

    PolicyPanel panel;
    panel.setExplorer(explorer);
    panel.setPrompt(train::ProbePrompt::datasetRow(train::Split::Valid, 2));
    panel.setSlotCheckpoint(0, QString::fromStdString((dir.path() / "best").string()));
    panel.setSlotCheckpoint(1, QString::fromStdString(dir.path().string()));  // no config.json
    panel.showState(root, children);
    QVERIFY(waitForResult(panel));

    auto probe = train::PolicyProbe::open(dir.path() / "best");
    probe.setPrompt(train::ProbePrompt::datasetRow(train::Split::Valid, 2));
    std::vector<std::vector<text::TokenId>> chunks;
    for (const auto& c : children) chunks.push_back(c.tokens);
    const auto expected = probe.children(explorer->trie(), root.node, chunks);

    const auto check = [&](bool whole) {
        const auto& bars = panel.shownBars();
        QCOMPARE(bars.size(), static_cast<std::size_t>(PolicyPanel::kShownChildren + 1));
        double otherTarget = 0.0, otherPolicy = 0.0;
        for (std::size_t i = 0; i < children.size(); ++i) {
            const double policy = whole ? expected[i].vocabulary : expected[i].constrained;
            if (i < static_cast<std::size_t>(PolicyPanel::kShownChildren)) {
                QVERIFY(near(bars[i][0], children[i].probability));
                QVERIFY2(near(bars[i][1], policy), qPrintable(QString("%1 vs %2").arg(bars[i][1]).arg(policy)));
                QVERIFY(std::isnan(bars[i][2]));  // slot B failed
            } else {
                otherTarget += children[i].probability;
                otherPolicy += policy;
            }
        }
        QVERIFY(near(bars.back()[0], otherTarget));
        QVERIFY(near(bars.back()[1], otherPolicy));
        QVERIFY(panel.shownLabels().back().startsWith("other"));
    };
    check(false);
    panel.setWholeVocabulary(true);
    check(true);
    QVERIFY2(panel.slotError(1).contains("config.json"), qPrintable(panel.slotError(1)));
    QVERIFY(panel.slotError(0).isEmpty());
    QCOMPARE(panel.exportablePlots().size(), 2);

    widgets::FlowExplorerView view;
    view.setExplorer(explorer);
    QCOMPARE(view.exportablePlots().size(), 3);
}

FLOWER_GUI_TEST_MAIN(TestPolicyPanel, barsEqualTheProbe)
#include "test_policy_panel.moc"
