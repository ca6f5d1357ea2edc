// workbench_walkthrough — issue 17's "Done when", driven through the window's own widgets and
// actions (no xdotool here): a new user opens the workbench, loads the demo experiment
// (experiments/rq1-synthetic.json, as scripts/workbench.sh does), configures SFT and Flower on
// the synthetic dataset, queues both, starts the queue, watches loss, popularity groups and
// KL/JS move live, cancels the Flower run and resumes it. A screenshot at every stage goes to
// OUTDIR (NN-stage.png; never commit them), and the event loop's stalls from the start of the
// queue to the end (the screenshots' own grabs left out) are printed at the end.
// Usage: xvfb-run -a -s "-screen 0 1600x1000x24" workbench_walkthrough OUTDIR [--steps N]
//        (default 60 steps per run; QT_QPA_PLATFORM=offscreen also works, grabbing the widgets)
// The store and the settings live in OUTDIR (the user's are not touched).
#include "app/workbench/monitor_wiring.h"
#include "core/util/runtime.h"
#include "widgets/experiment_form.h"
#include "widgets/main_window.h"
#include "widgets/run_list_model.h"
#include "widgets/run_list_view.h"
#include "widgets/run_monitor.h"
#include "widgets/run_queue.h"
#include "widgets/stall_probe.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QTreeView>
#include <QThread>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

using namespace flower;

namespace {

QString outDir;
int shotNumber = 0;
widgets::StallProbe* stalls = nullptr;  // paused while a screenshot is grabbed and saved

void pump(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) QApplication::processEvents(QEventLoop::AllEvents, 10);
}

bool waitUntil(const std::function<bool()>& ready, int timeoutMs, const char* what) {
    QElapsedTimer t;
    t.start();
    while (!ready()) {
        if (t.elapsed() > timeoutMs) {
            std::fprintf(stderr, "walkthrough: timed out waiting for %s\n", what);
            return false;
        }
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

// What the display server shows (xcb), or the widget rendered (offscreen).
void shot(widgets::MainWindow& window, const char* stage) {
    pump(400);  // queued replots and the window manager's repaint
    const QString file =
        QDir(outDir).filePath(QString::asprintf("%02d-%s.png", ++shotNumber, stage));
    // Grabbing and encoding a PNG blocks the loop for ~100-200 ms: the driver's, not the
    // workbench's stall.
    const bool measuring = stalls && stalls->isRunning();
    if (measuring) stalls->stop();
    QPixmap pixmap = QGuiApplication::platformName() == QLatin1String("offscreen")
                         ? window.grab()
                         : window.screen()->grabWindow(window.winId());
    if (!pixmap.save(file, "PNG")) std::fprintf(stderr, "walkthrough: cannot write %s\n", qPrintable(file));
    std::printf("  %s\n", qPrintable(file));
    std::fflush(stdout);
    if (measuring) stalls->start();
}

void setLine(widgets::ExperimentForm& form, const char* path, const QString& text) {
    auto* line = qobject_cast<QLineEdit*>(form.editor(QString::fromLatin1(path)));
    if (!line) qFatal("no line edit for %s", path);
    line->setText(text);
}

void setChoice(widgets::ExperimentForm& form, const char* path, const char* value) {
    auto* combo = qobject_cast<QComboBox*>(form.editor(QString::fromLatin1(path)));
    if (!combo) qFatal("no choice for %s", path);
    combo->setCurrentIndex(combo->findData(QString::fromLatin1(value)));
}

const widgets::RunRow* rowNamed(widgets::RunListModel& model, const char* name) {
    for (int i = 0; i < model.rowCount(); ++i) {
        if (model.rowAt(i).name == QLatin1String(name)) return &model.rowAt(i);
    }
    return nullptr;
}

void selectRun(widgets::MainWindow& window, qint64 id) {
    QTreeView* table = window.runList()->table();
    for (int r = 0; r < table->model()->rowCount(); ++r) {
        const QModelIndex index = table->model()->index(r, 0);
        if (index.data(widgets::RunListModel::RunIdRole).toLongLong() == id) {
            table->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return;
        }
    }
}

QAction* action(widgets::MainWindow& window, const char* name) {
    auto* a = window.findChild<QAction*>(QString::fromLatin1(name));
    if (!a) qFatal("no action %s", name);
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: workbench_walkthrough OUTDIR [--steps N]\n");
        return 2;
    }
    outDir = QString::fromLocal8Bit(argv[1]);
    int steps = 60;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--steps") == 0) steps = std::atoi(argv[i + 1]);
    }
    QDir().mkpath(outDir);
    const QString store = QDir(outDir).filePath("runs.sqlite");
    QFile::remove(store);
    qputenv("XDG_CONFIG_HOME", QDir(outDir).filePath("config").toLocal8Bit());
    qputenv("XDG_DATA_HOME", QDir(outDir).filePath("data").toLocal8Bit());
    util::ensureThreadEnvironment(argc, argv);
    util::configureTorchThreads();
    QApplication app(argc, argv);
    QApplication::setApplicationName("Flower Workbench");
    QApplication::setOrganizationName("flower-workbench");

    widgets::StallProbe probe(5);
    stalls = &probe;
    widgets::MainWindow window;
    widgets::RunMonitor* monitor = app::addRunMonitor(window);
    window.setInteractive(false);
    if (const QString error = window.openStore(store); !error.isEmpty()) {
        std::fprintf(stderr, "walkthrough: %s\n", qPrintable(error));
        return 1;
    }
    window.show();
    widgets::ExperimentForm& form = *window.form();
    widgets::RunListModel& model = *window.runModel();
    std::printf("walk-through, screenshots:\n");
    shot(window, "start");

    // The demo experiment, as scripts/workbench.sh opens it; a short run with frequent
    // evaluations so that everything moves within minutes.
    form.loadFile(QString::fromLatin1(FLOWER_EXPERIMENTS_DIR "/rq1-synthetic.json"));
    const auto configure = [&](const char* name, const char* method) {
        setLine(form, "name", QString::fromLatin1(name));
        setChoice(form, "method", method);
        setLine(form, "max_steps", QString::number(steps));
        setLine(form, "evaluation.every_steps", QString::number(std::max(1, steps / 6)));
        setLine(form, "evaluation.samples", "640");
        setLine(form, "checkpoint_every", QString::number(std::max(1, steps / 6)));
        setLine(form, "early_stopping.patience", "0");
    };
    configure("walk-sft", "sft");
    shot(window, "form-sft");
    if (!form.isValid()) {
        std::fprintf(stderr, "walkthrough: the form says %s\n", qPrintable(form.errorMessage()));
        return 1;
    }
    form.findChild<QPushButton*>("queueButton")->click();
    configure("walk-flower", "flower");
    shot(window, "form-flower");
    form.findChild<QPushButton*>("queueButton")->click();
    if (!waitUntil([&] { return model.rowCount() == 2; }, 5000, "two queued runs")) return 1;
    window.showView("runs");
    shot(window, "queued");

    probe.start();
    action(window, "actionStartQueue")->trigger();
    const qint64 sft = rowNamed(model, "walk-sft")->id;
    const qint64 flowerRun = rowNamed(model, "walk-flower")->id;
    qint64 shownRun = 0;
    qint64 shownStep = -1;
    QObject::connect(monitor, &widgets::RunMonitor::caughtUp, &window, [&](qint64 run, qint64 last) {
        shownRun = run;
        shownStep = last;
    });
    // Until the monitor shows run `id` up to `step` (its last point read from the store).
    const auto watch = [&](qint64 id, qint64 step, const char* what) {
        return waitUntil([&] { return monitor->runId() == id && shownRun == id && shownStep >= step; },
                         1800000, what);
    };
    // Live: part way through the SFT run.
    if (!watch(sft, steps / 2, "SFT half way")) return 1;
    monitor->showTab("training");
    shot(window, "sft-live-training");
    monitor->showTab("groups");
    shot(window, "sft-live-groups");
    monitor->showTab("divergences");
    shot(window, "sft-live-kljs");
    // The queue goes on to Flower by itself; the monitor follows it.
    if (!watch(flowerRun, steps / 3, "Flower a third of the way")) return 1;
    monitor->showTab("training");
    shot(window, "flower-live-training");
    monitor->showTab("groups");
    shot(window, "flower-live-groups");
    monitor->showTab("divergences");
    shot(window, "flower-live-kljs");
    // Cancel it (Run ▸ Cancel on the selected run): it stops after its current step.
    selectRun(window, flowerRun);
    action(window, "actionCancel")->trigger();
    if (!waitUntil([&] {
            const widgets::RunRow* r = model.rowFor(flowerRun);
            return r && r->status == QLatin1String("cancelled") && !window.queue()->busy();
        }, 600000, "the cancel")) {
        return 1;
    }
    monitor->showTab("training");
    shot(window, "flower-cancelled");
    // Resume it (Run ▸ Resume): from its last checkpoint to the end.
    selectRun(window, flowerRun);
    action(window, "actionResume")->trigger();
    if (!waitUntil([&] {
            const widgets::RunRow* r = model.rowFor(flowerRun);
            return r && r->status == QLatin1String("running");
        }, 60000, "the resume")) {
        return 1;
    }
    if (!watch(flowerRun, (2 * steps) / 3, "the resumed run two thirds of the way")) return 1;
    shot(window, "flower-resumed-live");
    if (!waitUntil([&] {
            const widgets::RunRow* r = model.rowFor(flowerRun);
            return r && r->status == QLatin1String("finished");
        }, 1800000, "the resumed run's end")) {
        return 1;
    }
    if (!watch(flowerRun, steps, "the last point on the monitor")) return 1;
    probe.stop();
    monitor->showTab("training");
    shot(window, "flower-finished-training");
    monitor->showTab("groups");
    shot(window, "flower-finished-groups");
    monitor->showTab("divergences");
    shot(window, "flower-finished-kljs");
    monitor->showTab("evaluation");
    shot(window, "flower-finished-evaluation");
    monitor->showTab("samples");
    shot(window, "flower-finished-samples");
    selectRun(window, sft);
    watch(sft, steps, "SFT shown");
    monitor->showTab("divergences");
    shot(window, "sft-finished-kljs");
    const widgets::StallReport r = probe.report();
    std::printf("event-loop stalls during the runs: %lld samples, p50 %.1f ms, p99 %.1f ms, "
                "max %.1f ms\n",
                static_cast<long long>(r.samples), r.p50Ms, r.p99Ms, r.maxMs);
    return 0;
}
