// SweepEditor: the preview of a λ list × seed linspace (names and cells worked out by hand),
// the core's messages for a misspelt field and unequal zip axes (Queue disabled), queueing into
// a temp store (six queued rows of one sweep, the sweep's folder with base.json + sweep.json
// that `flower sweep` reads), and save → load giving the same points.
// FLOWER_SCREENSHOT_DIR=dir writes sweep_editor.png of the filled-in dialog.
#include "core/run/experiment_config.h"
#include "core/run/sweep_config.h"
#include "core/store/run_store.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"
#include "widgets/sweep_editor.h"

#include <QLabel>
#include <QPushButton>
#include <QTableWidget>

#include <filesystem>

using flower::widgets::SweepEditor;
namespace fs = std::filesystem;

namespace {

flower::run::ExperimentConfig base() {
    flower::run::ExperimentConfig c;
    c.name = "base";
    c.maxSteps = 5;
    return c;
}

QString previewCell(const SweepEditor& e, int row, int column) {
    const QTableWidgetItem* item = e.preview()->item(row, column);
    return item ? item->text() : QString();
}

}  // namespace

class TestSweepEditor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void previewShowsTheResolvedRuns();
    void coreMessagesNameTheField();
    void queuesTheSweepIntoTheStore();
    void saveAndLoadKeepThePoints();
};

void TestSweepEditor::previewShowsTheResolvedRuns() {
    flower::test::TempDir dir("sweep-editor");
    SweepEditor editor(base(), QString::fromStdString((dir.path() / "runs.sqlite").string()));
    QCOMPARE(editor.pointCount(), 0);
    QVERIFY(!editor.queueButton()->isEnabled());  // no axis yet
    editor.addAxis(QStringLiteral("lambda"), SweepEditor::Values::List, QStringLiteral("0.01, 0.1"));
    editor.addAxis(QStringLiteral("seed"), SweepEditor::Values::Linspace, QStringLiteral("1, 3, 3"));
    QVERIFY2(editor.errorMessage().isEmpty(), qPrintable(editor.errorMessage()));
    QCOMPARE(editor.pointCount(), 6);
    QCOMPARE(editor.preview()->rowCount(), 6);
    QCOMPARE(editor.preview()->columnCount(), 4);  // #, lambda, seed, run name
    QCOMPARE(editor.preview()->horizontalHeaderItem(1)->text(), QStringLiteral("lambda"));
    QCOMPARE(previewCell(editor, 4, 0), QStringLiteral("5"));
    QCOMPARE(previewCell(editor, 4, 1), QStringLiteral("0.1"));
    QCOMPARE(previewCell(editor, 4, 2), QStringLiteral("2"));
    QCOMPARE(previewCell(editor, 4, 3), QStringLiteral("base-sweep/lambda=0.1,seed=2"));
    QCOMPARE(editor.queueButton()->text(), QStringLiteral("Queue 6 runs"));
    QVERIFY(editor.queueButton()->isEnabled());
    // A zipped learning rate beside a zipped granularity: 6 × 2.
    editor.addAxis(QStringLiteral("optimizer.lr"), SweepEditor::Values::Logspace, QStringLiteral("-4, -3, 2"), true);
    editor.addAxis(QStringLiteral("reward.granularity"), SweepEditor::Values::List, QStringLiteral("1, 5"), true);
    QCOMPARE(editor.pointCount(), 12);
    QCOMPARE(previewCell(editor, 1, 5), QStringLiteral("base-sweep/lambda=0.01,seed=1,optimizer.lr=0.001,reward.granularity=5"));
    if (const QByteArray shots = qgetenv("FLOWER_SCREENSHOT_DIR"); !shots.isEmpty()) {
        editor.resize(1000, 680);
        editor.show();
        QTest::qWait(200);
        editor.grab().save(QString::fromLocal8Bit(shots) + QStringLiteral("/sweep_editor.png"));
    }
}

void TestSweepEditor::coreMessagesNameTheField() {
    flower::test::TempDir dir("sweep-editor");
    SweepEditor editor(base(), QString::fromStdString((dir.path() / "runs.sqlite").string()));
    editor.addAxis(QStringLiteral("lamda"), SweepEditor::Values::List, QStringLiteral("0.01, 0.1"));
    QVERIFY2(editor.errorMessage().contains(QStringLiteral("field grid.lamda")) &&
                 editor.errorMessage().contains(QStringLiteral("did you mean \"lambda\"")),
             qPrintable(editor.errorMessage()));
    QVERIFY(!editor.queueButton()->isEnabled());
    SweepEditor zip(base(), QString::fromStdString((dir.path() / "runs.sqlite").string()));
    zip.addAxis(QStringLiteral("seed"), SweepEditor::Values::List, QStringLiteral("1, 2, 3"), true);
    zip.addAxis(QStringLiteral("lambda"), SweepEditor::Values::List, QStringLiteral("0.1, 1"), true);
    QVERIFY2(zip.errorMessage().contains(QStringLiteral("has 2 values but zip.seed has 3")),
             qPrintable(zip.errorMessage()));
    QCOMPARE(zip.pointCount(), 0);
    SweepEditor empty(base(), QString::fromStdString((dir.path() / "runs.sqlite").string()));
    empty.addAxis(QStringLiteral("seed"), SweepEditor::Values::List, QString());
    QVERIFY2(empty.errorMessage().contains(QStringLiteral("empty axis")), qPrintable(empty.errorMessage()));
}

void TestSweepEditor::queuesTheSweepIntoTheStore() {
    flower::test::TempDir dir("sweep-editor");
    const fs::path db = dir.path() / "runs.sqlite";
    SweepEditor editor(base(), QString::fromStdString(db.string()));
    editor.setSweepName(QStringLiteral("ls"));
    editor.addAxis(QStringLiteral("lambda"), SweepEditor::Values::List, QStringLiteral("0.01, 0.1"));
    editor.addAxis(QStringLiteral("seed"), SweepEditor::Values::List, QStringLiteral("1, 2, 3"));
    const std::int64_t sweep = editor.queueSweep();
    QVERIFY2(sweep > 0, qPrintable(editor.errorMessage()));
    flower::store::RunStore store(db);
    const auto ids = store.sweepRuns(sweep);
    QCOMPARE(ids.size(), std::size_t{6});
    QCOMPARE(store.run(ids[3]).name, std::string("ls/lambda=0.1,seed=1"));
    QVERIFY(store.run(ids[3]).status == flower::store::RunStatus::Queued);
    QCOMPARE(store.run(ids[3]).seed, std::int64_t{1});
    // The sweep's folder: a sweep file `flower sweep` can run again, beside its base.
    const fs::path sweepFile = store.findSweep(sweep)->file;
    QVERIFY2(fs::exists(sweepFile), sweepFile.c_str());
    QCOMPARE(sweepFile.parent_path().parent_path(), dir.path() / "sweeps");
    QVERIFY(fs::exists(sweepFile.parent_path() / "base.json"));
    const auto again = flower::run::SweepConfig::load(sweepFile).expand();
    QCOMPARE(again.size(), std::size_t{6});
    QCOMPARE(again[3].config.maxSteps, std::int64_t{5});  // the form's experiment
}

void TestSweepEditor::saveAndLoadKeepThePoints() {
    flower::test::TempDir dir("sweep-editor");
    const QString db = QString::fromStdString((dir.path() / "runs.sqlite").string());
    SweepEditor editor(base(), db);
    editor.setSweepName(QStringLiteral("saved"));
    editor.addAxis(QStringLiteral("reward.variant"), SweepEditor::Values::List, QStringLiteral("flow, flow_div_pref"));
    editor.addAxis(QStringLiteral("lambda"), SweepEditor::Values::Logspace, QStringLiteral("-2, -1, 2"));
    QCOMPARE(editor.pointCount(), 4);
    const QString file = QString::fromStdString((dir.path() / "s.json").string());
    editor.saveSweepFile(file);
    QVERIFY(fs::exists(dir.path() / "s.base.json"));
    SweepEditor loaded(flower::run::ExperimentConfig{}, db);
    loaded.loadSweepFile(file);
    QVERIFY2(loaded.errorMessage().isEmpty(), qPrintable(loaded.errorMessage()));
    QCOMPARE(loaded.pointCount(), 4);
    QCOMPARE(previewCell(loaded, 3, 3), QStringLiteral("saved/reward.variant=flow_div_pref,lambda=0.1"));
}

FLOWER_GUI_TEST_MAIN(TestSweepEditor, previewShowsTheResolvedRuns, coreMessagesNameTheField,
                     queuesTheSweepIntoTheStore, saveAndLoadKeepThePoints)
#include "test_sweep_editor.moc"
