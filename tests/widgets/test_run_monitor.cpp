// RunMonitor against a store built in the test: the plots grow while a RunWriter appends, the
// group histogram's bars are the stored values, divergences, evaluations and samples land on
// their tabs, and an unreadable store says why (offscreen platform).
#include "widgets/group_histogram_view.h"
#include "widgets/live_plot.h"
#include "widgets/plot_grid.h"
#include "widgets/plot_style.h"
#include "widgets/run_monitor.h"
#include "widgets/samples_model.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "tests/support/flower_gui_test.h"
#include "tests/support/temp_dir.h"

#include "widgets/custom_plot.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTableView>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

using namespace flower;
using widgets::LivePlot;
using widgets::RunMonitor;

namespace {

std::int64_t newRun(const std::filesystem::path& file, const std::string& config = "{}") {
    store::RunStore s(file);
    const auto id = s.createRun({"monitor-test", config, "flower", "synthetic", 1, "cpu"});
    s.startRun(id);
    return id;
}

double lossAt(std::int64_t step) { return 3.0 * std::exp(-0.01 * static_cast<double>(step)) + 0.1; }

// Shows run `id` of `file` in `m` (polling every 20 ms) and waits until it caught up with the store.
bool showAndCatchUp(RunMonitor& m, const std::filesystem::path& file, std::int64_t id) {
    m.resize(1000, 700);
    m.show();
    m.setPollIntervalMs(20);
    QSignalSpy caught(&m, &RunMonitor::caughtUp);
    m.showRun(QString::fromStdString(file.string()), id);
    return QTest::qWaitFor([&] { return !caught.isEmpty(); }, 5000);
}

LivePlot* plotNamed(RunMonitor& m, const char* name) {
    auto* p = m.findChild<LivePlot*>(name);
    if (!p) qFatal("no plot %s", name);
    return p;
}

}  // namespace

class TestRunMonitor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTheHistoryWhenShown();
    void appendsPointsWhileAWriterAppends();
    void resumedRunIsReadAgain();
    void cancelAndResumeBetweenTwoPollsIsSeen();
    void histogramBarsEqualTheStoredValues();
    void divergencesEvaluationsAndSamples();
    void emptyStatesSayWhatWillAppear();
    void unreadableStoreShowsTheMessage();
    void paletteChangeRestylesThePlots();
};

void TestRunMonitor::readsTheHistoryWhenShown() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s = 0; s < 40; ++s) {
            w.scalar("loss/total", s, lossAt(s), 0.1 * s);
            w.scalar("loss/sft", s, lossAt(s) / 2);
            w.scalar("lr", s, 1e-3);
            w.scalar("grad_norm", s, 1.0 + s);
            w.scalar("tokens_per_s", s, 5000.0);
            w.scalar("step_seconds", s, 0.25);
            w.scalar("flower/valid_fraction", s, 0.5 + s / 100.0);
        }
        w.flush();
    }
    RunMonitor m;
    m.resize(1000, 700);
    m.show();
    QSignalSpy caught(&m, &RunMonitor::caughtUp);
    m.setPollIntervalMs(20);
    m.showRun(QString::fromStdString(file.string()), id);
    QCOMPARE(m.runId(), id);
    QTRY_VERIFY_WITH_TIMEOUT(!caught.isEmpty(), 5000);
    QCOMPARE(caught.first().at(0).toLongLong(), id);
    QCOMPARE(caught.first().at(1).toLongLong(), 39);
    LivePlot* loss = plotNamed(m, "lossPlot");
    QCOMPARE(loss->seriesCount(), 2);
    const int total = loss->seriesIndex("total");
    QVERIFY(total >= 0);
    QCOMPARE(loss->points(total).size(), std::size_t(40));
    for (std::int64_t s = 0; s < 40; ++s) {
        QCOMPARE(loss->points(total)[static_cast<std::size_t>(s)].value, lossAt(s));
    }
    QCOMPARE(loss->points(total)[10].epoch, 1.0);
    QCOMPARE(plotNamed(m, "gradNormPlot")->points(0).back().value, 40.0);
    QCOMPARE(plotNamed(m, "lrPlot")->points(0).size(), std::size_t(40));
    QCOMPARE(plotNamed(m, "throughputPlot")->points(0).size(), std::size_t(40));
    // Every other per-step series gets its own plot on the Diagnostics tab.
    QCOMPARE(plotNamed(m, "diagnostics_step_seconds")->points(0).size(), std::size_t(40));
    QCOMPARE(plotNamed(m, "diagnostics_flower/valid_fraction")->points(0).back().value, 0.89);
    QVERIFY(m.findChild<QLabel*>("runHeader")->text().contains("monitor-test"));
    // The time axis starts at the run's first point.
    m.findChild<QComboBox*>("xAxisCombo")->setCurrentIndex(2);
    QCOMPARE(loss->xAxis(), LivePlot::XAxis::WallTime);
    QCOMPARE(loss->rawGraph(total)->data()->at(0)->key, 0.0);
    QVERIFY(loss->rawGraph(total)->data()->at(39)->key >= 0.0);
    m.clear();
    QCOMPARE(loss->seriesCount(), 0);
}

void TestRunMonitor::appendsPointsWhileAWriterAppends() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    RunMonitor m;
    m.resize(1000, 700);
    m.show();
    m.setPollIntervalMs(25);
    QSignalSpy caught(&m, &RunMonitor::caughtUp);
    m.showRun(QString::fromStdString(file.string()), id);
    QTRY_VERIFY_WITH_TIMEOUT(!caught.isEmpty(), 5000);  // an empty run: caught up at once
    QCOMPARE(caught.first().at(1).toLongLong(), -1);

    // The writer (background flushes every 50 ms) appends on its own thread while the GUI
    // polls, in three parts; each part starts once the monitor shows the previous one, so the
    // plot must grow while the run goes on (not only at its end).
    constexpr std::int64_t kPart = 100;
    constexpr std::int64_t kSteps = 3 * kPart;
    std::atomic<int> allowedParts{1};
    std::thread trainer([&] {
        store::RunWriter w(file, id, {std::chrono::milliseconds(50), 20000, true});
        for (std::int64_t s = 0; s < kSteps; ++s) {
            while (s / kPart >= allowedParts) {
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            const std::vector<store::NamedScalar> group = {{"loss/total", {s, 0, lossAt(s), 0}},
                                                           {"lr", {s, 0, 1e-3, 0}}};
            w.scalars(group);
        }
        w.finish(store::RunStatus::Finished);
    });
    LivePlot* loss = plotNamed(m, "lossPlot");
    for (int part = 1; part <= 3; ++part) {
        QTRY_VERIFY_WITH_TIMEOUT(loss->seriesCount() == 1 &&
                                     loss->points(0).size() == std::size_t(part * kPart), 20000);
        QCOMPARE(loss->rawGraph(0)->dataCount(), static_cast<int>(part * kPart));
        allowedParts = part + 1;
    }
    trainer.join();
    const auto& pts = loss->points(0);
    for (std::int64_t s = 0; s < kSteps; ++s) {
        QCOMPARE(pts[static_cast<std::size_t>(s)].step, s);
        QCOMPARE(pts[static_cast<std::size_t>(s)].value, lossAt(s));
    }
    caught.clear();
    QTRY_VERIFY_WITH_TIMEOUT(!caught.isEmpty(), 5000);
    QCOMPARE(caught.last().at(1).toLongLong(), kSteps - 1);
    QTRY_VERIFY(m.findChild<QLabel*>("runHeader")->text().contains("finished"));
}

void TestRunMonitor::resumedRunIsReadAgain() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s = 0; s < 50; ++s) w.scalar("loss/total", s, lossAt(s));
        w.checkpoint(29, (dir.path() / "step-29").string(), std::nullopt);
        w.finish(store::RunStatus::Cancelled);
    }
    RunMonitor m;
    QVERIFY(showAndCatchUp(m, file, id));
    LivePlot* loss = plotNamed(m, "lossPlot");
    QCOMPARE(loss->points(0).size(), std::size_t(50));
    QVERIFY(m.findChild<QLabel*>("runHeader")->text().contains("cancelled"));
    // Resumed from a checkpoint at step 29: steps 30.. are trained (and written) again.
    {
        store::RunStore s(file);
        s.startRun(id);
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s2 = 30; s2 < 60; ++s2) w.scalar("loss/total", s2, 10.0 + s2);
        w.flush();
    }
    QTRY_VERIFY_WITH_TIMEOUT(loss->seriesCount() == 1 && loss->points(0).size() == 60 &&
                                 loss->points(0)[30].value == 40.0, 5000);
    QCOMPARE(loss->points(0)[29].value, lossAt(29));
    QCOMPARE(loss->points(0)[59].value, 69.0);
    QCOMPARE(loss->rawGraph(0)->dataCount(), 60);
}

// The cancel and the resume commit together (one transaction), so no poll can read `cancelled`:
// the monitor must tell the new attempt by its started_at, drop the old attempt's rows after
// the checkpoint (steps 30..49, its evaluation at 40) and take the rewritten ones as they come.
void TestRunMonitor::cancelAndResumeBetweenTwoPollsIsSeen() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    using L = store::DivergenceLevel;
    using K = store::DivergenceKind;
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s = 0; s < 50; ++s) w.scalar("loss/total", s, lossAt(s));
        w.divergence(L::Title, K::Js, 20, 0.2);
        w.divergence(L::Title, K::Js, 40, 0.4);
        w.checkpoint(29, (dir.path() / "step-29").string(), std::nullopt);
        w.flush();
    }
    RunMonitor m;
    QVERIFY(showAndCatchUp(m, file, id));
    LivePlot* loss = plotNamed(m, "lossPlot");
    LivePlot* title = plotNamed(m, "titleDivergencePlot");
    QCOMPARE(loss->points(0).size(), std::size_t(50));
    QCOMPARE(title->points(0).size(), std::size_t(2));
    {
        store::RunStore s(file);
        s.database().exec("BEGIN IMMEDIATE");
        s.finishRun(id, store::RunStatus::Cancelled);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a later started_at
        s.startRun(id);
        s.database().exec("COMMIT");
    }
    // The new attempt has written nothing yet: the plots end at the checkpoint.
    QTRY_VERIFY_WITH_TIMEOUT(loss->points(0).size() == 30, 5000);
    QCOMPARE(loss->points(0).back().value, lossAt(29));
    QCOMPARE(title->points(0).size(), std::size_t(1));
    QVERIFY(!m.findChild<QLabel*>("runHeader")->text().contains("cancelled"));
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s = 30; s < 40; ++s) w.scalar("loss/total", s, 10.0 + s);
        w.flush();
    }
    // Part way: the rewritten steps arrive, the old attempt's later ones stay out (its JS at
    // step 40 too: the new attempt has not evaluated there yet).
    QTRY_VERIFY_WITH_TIMEOUT(loss->points(0).size() == 40, 5000);
    QCOMPARE(loss->points(0)[30].value, 40.0);
    QCOMPARE(loss->points(0)[39].value, 49.0);
    QCOMPARE(title->points(0).size(), std::size_t(1));
    {
        // As the trainer writes: step 40, its evaluation, the next steps.
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        w.scalar("loss/total", 40, 50.0);
        w.divergence(L::Title, K::Js, 40, 0.04);
        for (std::int64_t s = 41; s < 60; ++s) w.scalar("loss/total", s, 10.0 + s);
        w.finish(store::RunStatus::Finished);
    }
    QTRY_VERIFY_WITH_TIMEOUT(loss->points(0).size() == 60, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(title->points(0).size() == 2, 5000);
    QCOMPARE(title->points(0)[1].value, 0.04);
    QCOMPARE(loss->points(0)[29].value, lossAt(29));
    QCOMPARE(loss->points(0)[49].value, 59.0);
    QCOMPARE(loss->rawGraph(0)->dataCount(), 60);
}

void TestRunMonitor::histogramBarsEqualTheStoredValues() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    const std::vector<double> rec100 = {0.40, 0.20, 0.12, 0.09, 0.07, 0.05, 0.04, 0.03};
    const std::vector<double> rec200 = {0.30, 0.18, 0.13, 0.11, 0.09, 0.08, 0.06, 0.05};
    const std::vector<double> history = {0.35, 0.2, 0.13, 0.1, 0.08, 0.06, 0.05, 0.03};
    const std::vector<double> target = {0.33, 0.21, 0.13, 0.1, 0.08, 0.07, 0.05, 0.03};
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        w.histogram("groups_recommended", 100, rec100);
        w.histogram("groups_history", 100, history);
        w.histogram("groups_target", 100, target);
        w.evaluation("valid", "dgu", 10, 100, 0.0567);
        w.evaluation("valid", "mgu", 10, 100, 0.0123);
        w.flush();
        // The second evaluation arrives in two flushes (as a writer's timer may split it).
        w.histogram("groups_recommended", 200, rec200);
        w.flush();
        w.histogram("groups_history", 200, history);
        w.evaluation("valid", "dgu", 10, 200, 0.0321);
        w.flush();
    }
    RunMonitor m;
    QVERIFY(m.showTab("groups"));
    QVERIFY(showAndCatchUp(m, file, id));
    auto* view = m.findChild<widgets::GroupHistogramView*>("groups");
    QVERIFY(view);
    QCOMPARE(view->steps(), (std::vector<std::int64_t>{100, 200}));
    QCOMPARE(view->currentStep(), std::int64_t(200));  // follows the newest evaluation
    auto asVector = [](const QVector<double>& v) { return std::vector<double>(v.begin(), v.end()); };
    QCOMPARE(asVector(view->barValues("groups_recommended")), rec200);
    QCOMPARE(asVector(view->barValues("groups_history")), history);
    QVERIFY(view->barValues("groups_target").isEmpty());  // none stored at step 200
    QVERIFY(view->fairnessText().contains("0.0321"));
    view->showStep(100);
    QCOMPARE(asVector(view->barValues("groups_recommended")), rec100);
    QCOMPARE(asVector(view->barValues("groups_history")), history);
    QCOMPARE(asVector(view->barValues("groups_target")), target);
    QVERIFY(view->fairnessText().contains("0.0567"));
    QVERIFY(view->fairnessText().contains("0.0123"));
    // Play walks the evaluations and stops at the last.
    view->setPlaying(true);
    QCOMPARE(view->currentStep(), std::int64_t(100));
    QTRY_COMPARE_WITH_TIMEOUT(view->currentStep(), std::int64_t(200), 3000);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isPlaying(), 3000);
    // A histogram of an evaluation already shown, committed later, still arrives.
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        w.histogram("groups_target", 200, target);
        w.flush();
    }
    QTRY_COMPARE_WITH_TIMEOUT(asVector(view->barValues("groups_target")), target, 5000);
}

void TestRunMonitor::divergencesEvaluationsAndSamples() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s = 0; s <= 100; ++s) w.scalar("loss/total", s, lossAt(s), s / 50.0);
        using L = store::DivergenceLevel;
        using K = store::DivergenceKind;
        for (std::int64_t s : {50, 100}) {
            w.divergence(L::Title, K::Js, s, 0.01 * s);
            w.divergence(L::Title, K::KlTargetPolicy, s, 0.02 * s);
            w.divergence(L::Token, K::KlPolicyTarget, s, 0.03 * s);
            w.scalar("valid/js_title_exact", s, 0.005 * s, s / 50.0);
            w.evaluation("valid", "js_title_exact", 0, s, 0.005 * s);
            w.evaluation("valid", "ndcg", 10, s, 0.001 * s);
            w.evaluation("test", "ndcg", 10, s, 0.0011 * s);
            w.evaluation("valid", "entropy", 0, s, 4.0 + s / 100.0);
        }
        w.sample(50, 0, "Old Title", true, -3.0);
        w.sample(100, 0, "The Matrix", true, -1.5);
        w.sample(100, 1, "Not A Movie", false, std::nullopt);
        w.flush();
    }
    RunMonitor m;
    QVERIFY(showAndCatchUp(m, file, id));

    LivePlot* title = plotNamed(m, "titleDivergencePlot");
    const int js = title->seriesIndex("JS sampled");
    QVERIFY(js >= 0);
    QCOMPARE(title->points(js).size(), std::size_t(2));
    QCOMPARE(title->points(js)[1].value, 1.0);
    // Evaluation rows have no epoch: the training step's is used.
    QCOMPARE(title->points(js)[1].epoch, 2.0);
    const int exact = title->seriesIndex("JS exact");
    QVERIFY(exact >= 0);
    QCOMPARE(title->points(exact)[1].value, 0.5);
    QVERIFY(title->seriesIndex(QString::fromUtf8("KL(T‖R) sampled")) >= 0);
    LivePlot* token = plotNamed(m, "tokenDivergencePlot");
    QCOMPARE(token->seriesCount(), 1);
    QCOMPARE(token->points(0)[0].value, 1.5);

    LivePlot* ndcg = plotNamed(m, "evaluation_ndcg");
    QCOMPARE(ndcg->seriesCount(), 2);
    QCOMPARE(ndcg->points(ndcg->seriesIndex("valid@10"))[1].value, 0.1);
    QCOMPARE(ndcg->points(ndcg->seriesIndex("test@10"))[0].value, 0.055);
    QVERIFY(m.findChild<LivePlot*>("evaluation_entropy") != nullptr);
    QVERIFY(m.findChild<LivePlot*>("evaluation_js_title_exact") == nullptr);  // on KL / JS

    auto* table = m.findChild<QTableView*>("samplesTable");
    QVERIFY(table);
    QCOMPARE(table->model()->rowCount(), 2);  // the latest evaluation only
    QVERIFY(m.findChild<QLabel*>("samplesHeader")->text().contains("step 100"));
    QVERIFY(m.findChild<QLabel*>("samplesHeader")->text().contains("1 of 2"));
}

void TestRunMonitor::emptyStatesSayWhatWillAppear() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file, R"({"max_steps": 500, "evaluation": {"every_steps": 100}})");
    RunMonitor m;
    QVERIFY(showAndCatchUp(m, file, id));
    QVERIFY(m.findChild<widgets::PlotGrid*>("evaluation")->findChild<QLabel*>("empty")->text().contains("the first runs at step 100"));
    QVERIFY(m.findChild<QLabel*>("samplesHeader")->text().contains("step 100"));
}

void TestRunMonitor::unreadableStoreShowsTheMessage() {
    test::TempDir dir("monitor");
    const auto notAStore = dir.write("notes.txt", "this is not a database, just text\n");
    RunMonitor m;
    m.show();
    m.setPollIntervalMs(20);
    m.showRun(QString::fromStdString(notAStore.string()), 1);
    auto* error = m.findChild<QLabel*>("runError");
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 5000);
    QVERIFY2(error->text().contains("notes.txt"), qPrintable(error->text()));
    // A store without that run.
    const auto file = dir.path() / "runs.sqlite";
    newRun(file);
    m.showRun(QString::fromStdString(file.string()), 99);
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible() && error->text().contains("99"), 5000);
}

// The desktop switching between light and dark reaches the application as a new palette:
// every plot (curves, histogram, grids) takes the new colours without being rebuilt.
void TestRunMonitor::paletteChangeRestylesThePlots() {
    test::TempDir dir("monitor");
    const auto file = dir.path() / "runs.sqlite";
    const auto id = newRun(file);
    {
        store::RunWriter w(file, id, {std::chrono::milliseconds(250), 20000, false});
        for (std::int64_t s = 0; s < 20; ++s) w.scalar("loss/total", s, lossAt(s));
        w.histogram("groups_recommended", 10, std::vector<double>(8, 0.125));
        w.evaluation("valid", "ndcg", 10, 10, 0.1);
        w.flush();
    }
    const QPalette before = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(40, 40, 44));
    dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
    dark.setColor(QPalette::Base, QColor(25, 25, 28));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    QPalette light;
    light.setColor(QPalette::Window, QColor(246, 246, 246));
    light.setColor(QPalette::WindowText, QColor(20, 20, 20));
    light.setColor(QPalette::Base, QColor(255, 255, 255));
    light.setColor(QPalette::Text, QColor(20, 20, 20));
    QApplication::setPalette(light);
    RunMonitor m;
    QVERIFY(showAndCatchUp(m, file, id));
    auto* loss = plotNamed(m, "lossPlot")->plot();
    auto* ndcg = plotNamed(m, "evaluation_ndcg")->plot();
    auto* groups = m.findChild<widgets::GroupHistogramView*>("groups")->plot();
    const auto check = [&](const QPalette& p) {
        for (QCustomPlot* plot : {loss, ndcg, groups}) {
            if (plot->axisRect()->backgroundBrush().color() != p.color(QPalette::Base)) return false;
            if (plot->xAxis->tickLabelColor() != p.color(QPalette::WindowText)) return false;
        }
        return true;
    };
    // The series colour of the loss curve, as an index into the palette's series colours.
    const auto curveColour = [&](const QPalette& p) {
        LivePlot* plot = plotNamed(m, "lossPlot");
        QCPGraph* g = plot->smoothGraph(0)->visible() ? plot->smoothGraph(0) : plot->rawGraph(0);
        for (int i = 0; i < 8; ++i) {
            if (g->pen().color().rgb() == widgets::PlotStyle::seriesColor(i, p).rgb()) return i;
        }
        return -1;
    };
    QVERIFY(check(light));
    const int colour = curveColour(light);
    QVERIFY(colour >= 0);
    QApplication::setPalette(dark);
    QTRY_VERIFY_WITH_TIMEOUT(check(dark), 2000);
    QCOMPARE(curveColour(dark), colour);  // the same series, in the dark variant
    QVERIFY(widgets::PlotStyle::isDark(plotNamed(m, "lossPlot")->palette()));
    QApplication::setPalette(light);
    QTRY_VERIFY_WITH_TIMEOUT(check(light), 2000);
    QApplication::setPalette(before);
}

FLOWER_GUI_TEST_MAIN(TestRunMonitor, readsTheHistoryWhenShown, appendsPointsWhileAWriterAppends,
                     resumedRunIsReadAgain,
                     cancelAndResumeBetweenTwoPollsIsSeen,
                     histogramBarsEqualTheStoredValues, divergencesEvaluationsAndSamples,
                     emptyStatesSayWhatWillAppear, unreadableStoreShowsTheMessage,
                     paletteChangeRestylesThePlots)
#include "test_run_monitor.moc"
