// flower-workbench — the desktop GUI. Assembles the main window; everything else is in widgets/.
//   --store FILE        open this run store (default: the last one, else the user's data folder)
//   --experiment FILE   load an experiment file into the form
//   --run               queue the form's experiment and start it
//   --view NAME         show this tab (experiment, runs, or a view added by addView: monitor,
//                       flows)
//   --screenshot FILE   save what the display server shows of the window as PNG, then quit;
//                       with --run: once the run has ended and the monitor shows its last
//                       points (the Xvfb test checks a real window); with --view flows once
//                       the prefix tree is built (exit 1 when it could not be)
//   --policy-run ID[,ID] the Flows tab's policy slots A (and B) show these runs of the store
//                       (their best checkpoint, else their last)
//   --policy-checkpoint DIR  a checkpoint folder for the next free slot (repeatable)
//   --flow-title TEXT   the Flows tab jumps to the first title containing TEXT
//                       (with --screenshot --view flows, the shot waits for the policy bars)
//   --flow-depth N      with --flow-title: select the title's state N tokens deep instead of its end
//   --runs IDS          with --view compare: the runs to compare ("1,2,5-8"); --screenshot then
//                       waits until their curves are drawn
//   --stall-report FILE at exit, JSON {samples, p50_ms, p99_ms, max_ms} of the event loop's
//                       stalls (StallProbe)
//   --version, --help
// Exit status: 0; 1 for a bad command line, store or experiment (the message on stderr); with
// --run --screenshot, 3 when the run did not finish.
#include "app/workbench/compare_wiring.h"
#include "app/workbench/first_frame_exit.h"
#include "app/workbench/monitor_wiring.h"
#include "core/compare/run_id_list.h"
#include "core/util/runtime.h"
#include "flower/build_info.h"
#include "widgets/experiment_form.h"
#include "widgets/flow_explorer_view.h"
#include "widgets/main_window.h"
#include "widgets/policy_panel.h"
#include "widgets/run_monitor.h"
#include "widgets/run_queue.h"
#include "widgets/stall_probe.h"

#include <QApplication>
#include <QByteArray>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QIcon>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace {

int fail(const QString& message) {
    std::fprintf(stderr, "flower-workbench: %s\n", qPrintable(message));
    return 1;
}

// Grabs from the screen, not by rendering the widget: this shows what the window system really
// displays.
void saveScreenshot(flower::widgets::MainWindow& window, const QString& file, int exitCode) {
    const QPixmap shot = window.screen()->grabWindow(window.winId());
    if (shot.isNull() || !shot.save(file, "PNG")) {
        std::fprintf(stderr, "flower-workbench: could not save a screenshot to %s\n",
                     qPrintable(file));
        exitCode = 1;
    }
    window.setInteractive(false);
    QApplication::exit(exitCode);
}

struct Options {
    QCommandLineOption store{"store", "Open this run store (created when missing).", "file"};
    QCommandLineOption experiment{"experiment", "Load this experiment file into the form.", "file"};
    QCommandLineOption run{"run", "Queue the form's experiment and start it."};
    QCommandLineOption view{"view", "Show this view: experiment, runs, or a view's name.", "name"};
    QCommandLineOption screenshot{
        "screenshot", "Save a PNG of the window and quit (with --run: after the run ended).", "file"};
    QCommandLineOption policyRun{"policy-run", "Flows tab: policy slot A (and B) show these runs (ID[,ID]).", "ids"};
    QCommandLineOption policyCheckpoint{"policy-checkpoint", "Flows tab: a checkpoint folder for the next policy slot.",
                                        "dir"};
    QCommandLineOption flowTitle{"flow-title", "Flows tab: jump to the first title containing this text.", "text"};
    QCommandLineOption flowDepth{"flow-depth", "With --flow-title: select the title's state this many tokens deep.", "n"};
    QCommandLineOption runs{"runs", "With --view compare: the runs to compare, e.g. 1,2,5-8.", "ids"};
    QCommandLineOption stallReport{
        "stall-report", "At exit, write the event loop's stalls as JSON to this file.", "file"};
};

void addOptions(QCommandLineParser& parser, const Options& o) {
    parser.setApplicationDescription("Flower Workbench: flow-guided tuning of LLM recommenders");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({o.store, o.experiment, o.run, o.view, o.screenshot, o.policyRun, o.policyCheckpoint,
                       o.flowTitle, o.flowDepth, o.runs, o.stallReport});
}

}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    flower::util::configureTorchThreads();
    // --help and --version print and exit without a display: a QApplication would abort on a
    // machine without one before the parser could answer.
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--help" || a == "-h" || a == "-?" || a == "--help-all" || a == "--version" ||
            a == "-v") {
            QCoreApplication info(argc, argv);
            QCoreApplication::setApplicationName("flower-workbench");
            QCoreApplication::setApplicationVersion(QString::fromLatin1(flower::build::kVersion));
            QCommandLineParser parser;
            const Options options;
            addOptions(parser, options);
            parser.process(info);  // prints and exits
            return 0;
        }
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName("Flower Workbench");
    QApplication::setOrganizationName("flower-workbench");
    QApplication::setApplicationVersion(QString::fromLatin1(flower::build::kVersion));
    QApplication::setWindowIcon(QIcon(":/flower/icons/flower.svg"));

    QCommandLineParser parser;
    const Options options;
    addOptions(parser, options);
    parser.process(app);
    if (parser.isSet(options.stallReport)) {
        flower::widgets::StallProbe::reportAtExit(parser.value(options.stallReport));
    }

    flower::widgets::MainWindow window;
    flower::widgets::RunMonitor* monitor = flower::app::addRunMonitor(window);

    // The flow explorer builds the form's experiment when its tab is first shown.
    auto* flows = new flower::widgets::FlowExplorerView(&window);
    flows->setConfigSource([&window] { return window.form()->config(); });
    window.addView(QObject::tr("Flows"), flows);
    flower::widgets::ComparisonView* comparison = flower::app::addComparisonView(window);

    QString storeFile = parser.value(options.store);
    if (storeFile.isEmpty()) {
        storeFile = QSettings().value("lastStore").toString();
    }
    if (storeFile.isEmpty()) {
        storeFile = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                        .filePath("runs.sqlite");
    }
    if (const QString error = window.openStore(storeFile); !error.isEmpty()) {
        if (parser.isSet(options.store)) return fail(error);
        // A remembered store that went bad: say so and start without one.
        std::fprintf(stderr, "flower-workbench: %s\n", qPrintable(error));
    }
    flows->setStore(window.storeFile());
    QObject::connect(&window, &flower::widgets::MainWindow::integrityChecked, flows,
                     [flows](const QString& store, const QString&) { flows->setStore(store); });
    // Policy slots asked for on the command line: store runs first, then folders.
    int nextSlot = 0;
    for (const QString& id : parser.value(options.policyRun).split(',', Qt::SkipEmptyParts)) {
        if (nextSlot > 1) return fail("at most two policies (slots A and B)");
        bool ok = false;
        const qint64 runId = id.trimmed().toLongLong(&ok);
        if (!ok || !flows->policyPanel()->setSlotRun(nextSlot, runId)) {
            return fail(QString("--policy-run %1: no run with a checkpoint of that id in %2").arg(id, window.storeFile()));
        }
        ++nextSlot;
    }
    for (const QString& dir : parser.values(options.policyCheckpoint)) {
        if (nextSlot > 1) return fail("at most two policies (slots A and B)");
        flows->policyPanel()->setSlotCheckpoint(nextSlot++, dir);
    }
    if (parser.isSet(options.flowTitle)) {
        const QString text = parser.value(options.flowTitle);
        const int depth = parser.isSet(options.flowDepth) ? parser.value(options.flowDepth).toInt() : -1;
        QObject::connect(flows, &flower::widgets::FlowExplorerView::explorerReady, flows, [flows, text, depth] {
            const auto hits = flows->explorer()->search(text.toStdString(), 1);
            if (hits.empty()) return;
            flows->jumpToTitle(hits.front());
            const auto path = flows->explorer()->path(flows->currentState());
            if (depth >= 0 && static_cast<std::size_t>(depth) < path.size()) flows->selectState(path[static_cast<std::size_t>(depth)]);
        });
    }
    if (parser.isSet(options.experiment)) {
        try {
            window.form()->loadFile(parser.value(options.experiment));
        } catch (const std::exception& e) {
            return fail(QString::fromUtf8(e.what()));
        }
    }
    QList<qint64> compareIds;
    if (parser.isSet(options.runs)) {
        try {
            for (const auto id : flower::compare::parseRunIdList(parser.value(options.runs).toStdString())) {
                compareIds << id;
            }
        } catch (const std::exception& e) {
            return fail(QString::fromUtf8(e.what()));
        }
        comparison->showRuns(window.storeFile(), compareIds);
    }
    if (parser.isSet(options.view) && !window.showView(parser.value(options.view))) {
        return fail(QString("no view \"%1\" (known: %2)")
                        .arg(parser.value(options.view), window.viewNames().join(", ")));
    }
    window.show();
    flower::app::exitAfterFirstFrameIfAsked(window);

    const bool shoot = parser.isSet(options.screenshot);
    const QString shotFile = parser.value(options.screenshot);
    if (parser.isSet(options.run)) {
        if (shoot) window.setInteractive(false);
        const qint64 id = window.submitForm(true);
        if (id == 0) {
            return fail(window.form()->isValid() ? QString("could not queue the run")
                                                 : window.form()->errorMessage());
        }
        if (shoot) {
            QObject::connect(window.queue(), &flower::widgets::RunQueue::runFinished, &window,
                             [&window, shotFile, id, monitor](qint64 runId, const QString& state,
                                                     const QString& message) {
                                 if (runId != id) return;
                                 if (state != "finished") {
                                     std::fprintf(stderr, "flower-workbench: run %lld %s: %s\n",
                                                  static_cast<long long>(runId), qPrintable(state),
                                                  qPrintable(message));
                                 }
                                 // The shot waits for the monitor: the second "caught up" after
                                 // the end comes from a poll that started after the last commit
                                 // (at most one poll is in flight), so the plots hold every point.
                                 auto seen = std::make_shared<int>(0);
                                 QObject::connect(
                                     monitor, &flower::widgets::RunMonitor::caughtUp, &window,
                                     [&window, shotFile, state, id, seen](qint64 shown,
                                                                          qint64 lastStep) {
                                         if (shown != id || ++*seen != 2) return;
                                         // What the plots hold, for the Xvfb test and scripts.
                                         std::printf("monitor: run %lld step %lld\n",
                                                     static_cast<long long>(shown),
                                                     static_cast<long long>(lastStep));
                                         std::fflush(stdout);
                                         // One more turn of the loop paints the queued replots.
                                         QTimer::singleShot(300, &window, [&window, shotFile, state] {
                                             saveScreenshot(window, shotFile,
                                                            state == "finished" ? 0 : 3);
                                         });
                                     });
                             });
        }
    } else if (shoot && parser.value(options.view).compare("flows", Qt::CaseInsensitive) == 0) {
        // The tab builds its tree on a worker: the shot waits for the tree (or its error).
        const auto shootAfter = [&window, shotFile](int code) {
            QTimer::singleShot(400, &window, [&window, shotFile, code] { saveScreenshot(window, shotFile, code); });
        };
        // With policies chosen, it waits for their bars of the state shown at that moment too.
        const bool policies = nextSlot > 0;
        QObject::connect(flows, &flower::widgets::FlowExplorerView::explorerReady, &window,
                         [shootAfter, flows, policies] {
                             if (!policies) {
                                 shootAfter(0);
                                 return;
                             }
                             auto* panel = flows->policyPanel();
                             const auto check = std::make_shared<QMetaObject::Connection>();
                             *check = QObject::connect(panel, &flower::widgets::PolicyPanel::resultShown, panel,
                                                       [panel, check, shootAfter] {
                                                           if (panel->isComputing()) return;
                                                           QObject::disconnect(*check);
                                                           shootAfter(0);
                                                       });
                         });
        QObject::connect(flows, &flower::widgets::FlowExplorerView::buildFailed, &window,
                         [shootAfter](const QString& message) {
                             std::fprintf(stderr, "flower-workbench: %s\n", qPrintable(message));
                             shootAfter(1);
                         });
    } else if (shoot && !compareIds.isEmpty()) {
        // The runs are read and aggregated on a worker: the shot waits for the drawn curves.
        QObject::connect(comparison, &flower::widgets::ComparisonView::computed, &window,
                         [&window, shotFile] {
                             QTimer::singleShot(500, &window, [&window, shotFile] { saveScreenshot(window, shotFile, 0); });
                         }, Qt::SingleShotConnection);
        QObject::connect(comparison, &flower::widgets::ComparisonView::loadFailed, &window,
                         [&window, shotFile](const QString& message) {
                             std::fprintf(stderr, "flower-workbench: %s\n", qPrintable(message));
                             QTimer::singleShot(300, &window, [&window, shotFile] { saveScreenshot(window, shotFile, 1); });
                         });
    } else if (shoot) {
        // The delay lets the window manager map and paint the window.
        QTimer::singleShot(500, &window, [&window, shotFile] { saveScreenshot(window, shotFile, 0); });
    }
    return QApplication::exec();
}
