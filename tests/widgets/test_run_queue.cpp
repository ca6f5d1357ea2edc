// Runs started from the window (offscreen): the queue executes queued runs one after another in
// the store's order; a run that fails (its dataset folder does not exist) is marked failed with
// the core's message, which the status bar shows; closing the window during a run cancels it
// after the current step, waits for its checkpoint and only then closes. Nano model, few steps.
#include "core/run/experiment_config.h"
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"
#include "widgets/experiment_form.h"
#include "widgets/main_window.h"
#include "widgets/run_queue.h"

#include <QSignalSpy>
#include <QStatusBar>

#include <cstdlib>
#include <filesystem>

using flower::store::RunStatus;
using flower::store::RunStore;
using flower::widgets::MainWindow;
namespace fs = std::filesystem;

namespace {

flower::run::ExperimentConfig tinyRun(const std::string& name, int steps) {
    auto c = flower::run::ExperimentConfig::load(
        std::string(FLOWER_EXPERIMENTS_DIR) + "/rq1-synthetic.json",
        {"model=nano", "max_steps=" + std::to_string(steps), "batch_size=8", "micro_batch_size=8",
         "evaluation.every_steps=1000", "evaluation.samples=48", "early_stopping.patience=0",
         "name=" + name});
    return c;
}

}  // namespace

class TestRunQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void runsQueuedRunsInOrder();
    void failedRunIsMarkedAndShown();
    void closingDuringARunCancelsAfterTheCheckpoint();

private:
    std::unique_ptr<flower::test::TempDir> config_;
};

void TestRunQueue::initTestCase() {
    config_ = flower::test::isolateUserFolders("run-queue-config");
}

void TestRunQueue::runsQueuedRunsInOrder() {
    flower::test::TempDir dir("run-queue");
    const fs::path store = dir.path() / "runs.sqlite";
    MainWindow window;
    window.setInteractive(false);
    QCOMPARE(window.openStore(QString::fromStdString(store.string())), QString());
    window.form()->setConfig(tinyRun("first", 2));
    const qint64 first = window.submitForm(false);  // queued, not started
    window.form()->setConfig(tinyRun("second", 2));
    const qint64 second = window.submitForm(false);
    QVERIFY(first > 0 && second > first);
    QVERIFY(!window.queue()->busy());
    QVERIFY(RunStore(store).run(first).status == RunStatus::Queued);
    QSignalSpy started(window.queue(), &flower::widgets::RunQueue::runStarted);
    QSignalSpy idle(window.queue(), &flower::widgets::RunQueue::idle);
    window.queue()->start();
    QTRY_VERIFY_WITH_TIMEOUT(idle.count() == 1, 240000);
    QCOMPARE(started.count(), 2);
    QCOMPARE(started.at(0).at(0).toLongLong(), first);
    QCOMPARE(started.at(1).at(0).toLongLong(), second);
    RunStore runs(store);
    for (const qint64 id : {first, second}) {
        QVERIFY(runs.run(id).status == RunStatus::Finished);
        QCOMPARE(runs.readSeries(id, "loss/total").size(), std::size_t{2});
    }
    QVERIFY(*runs.run(first).finishedAt <= *runs.run(second).startedAt);  // one after another
}

void TestRunQueue::failedRunIsMarkedAndShown() {
    flower::test::TempDir dir("run-queue-fail");
    const fs::path store = dir.path() / "runs.sqlite";
    MainWindow window;
    window.setInteractive(false);
    QCOMPARE(window.openStore(QString::fromStdString(store.string())), QString());
    auto config = tinyRun("broken", 2);
    config.dataset = (dir.path() / "no-such-dataset").string();  // valid JSON, fails to assemble
    config.promptTemplate = "bigrec";
    config.evaluation.decoding = flower::run::Decoding::Beam;  // "free" is only for history_free
    window.form()->setConfig(config);
    QVERIFY2(window.form()->isValid(), qPrintable(window.form()->errorMessage()));
    QSignalSpy finished(window.queue(), &flower::widgets::RunQueue::runFinished);
    const qint64 id = window.submitForm(true);
    QVERIFY(id > 0);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("failed"));
    const auto info = RunStore(store).run(id);
    QVERIFY(info.status == RunStatus::Failed);
    QVERIFY(info.error.has_value());
    QVERIFY2(info.error->find("no-such-dataset") != std::string::npos, info.error->c_str());
    QVERIFY2(window.statusBar()->currentMessage().contains("failed"),
             qPrintable(window.statusBar()->currentMessage()));
    QVERIFY(window.statusBar()->currentMessage().contains("no-such-dataset"));
    QVERIFY(!window.queue()->busy());
}

void TestRunQueue::closingDuringARunCancelsAfterTheCheckpoint() {
    flower::test::TempDir dir("run-queue-close");
    const fs::path store = dir.path() / "runs.sqlite";
    auto* window = new MainWindow;
    window->setInteractive(false);
    window->setAttribute(Qt::WA_DeleteOnClose);
    QCOMPARE(window->openStore(QString::fromStdString(store.string())), QString());
    window->form()->setConfig(tinyRun("long", 5000));
    window->show();
    QSignalSpy steps(window->queue(), &flower::widgets::RunQueue::stepDone);
    const qint64 id = window->submitForm(true);
    QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 120000);
    QPointer<MainWindow> alive(window);
    QVERIFY(!window->close());  // refused for now: the run must stop first
    QVERIFY(alive);
    QTRY_VERIFY_WITH_TIMEOUT(alive.isNull(), 60000);  // closed (and deleted) once it stopped
    RunStore runs(store);
    const auto info = runs.run(id);
    QVERIFY(info.status == RunStatus::Cancelled);
    QVERIFY(fs::exists(flower::store::runDirectory(store, id) / "last" / "config.json"));
    QVERIFY(runs.readSeries(id, "loss/total").size() < 5000);
}

FLOWER_GUI_TEST_MAIN(TestRunQueue, runsQueuedRunsInOrder, failedRunIsMarkedAndShown,
                     closingDuringARunCancelsAfterTheCheckpoint)
#include "test_run_queue.moc"
