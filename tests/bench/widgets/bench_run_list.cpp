// bench_run_list — the run list on a big store (make_big_store), against issue 17's goal "run
// list shown < 300 ms after opening": time from MainWindow::openStore() (File ▸ Open store) to
// the list holding every run with its key figures, painted. Each repetition is a new window
// (a new poller thread, new connections), as opening the workbench is.
//   open:  MainWindow::openStore (read-write once: schema, interrupted runs, integrity check)
//   rows:  until the model holds every run (the poller's first read, merged on the GUI thread)
//   shown: after the table painted them
// Usage: bench_run_list STORE [--reps N]   (default 7; the median and the spread are printed)
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise; QSettings go to Qt's
// test locations (the user's recent stores are not touched).
#include "core/store/run_store.h"
#include "widgets/main_window.h"
#include "widgets/run_list_model.h"
#include "widgets/run_list_view.h"
#include "widgets/stall_probe.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTreeView>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace flower;

namespace {

double ms(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return widgets::StallProbe::percentile(v, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("flower-workbench-bench");
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_run_list STORE [--reps N]\n");
        return 2;
    }
    const QString file = QString::fromLocal8Bit(argv[1]);
    int reps = 7;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--reps") == 0) reps = std::max(1, std::atoi(argv[i + 1]));
    }
    int expected = 0;
    try {
        store::RunStore reader(file.toStdString(), {false, true, 10000});
        expected = static_cast<int>(reader.listRuns().size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_run_list: %s\n", e.what());
        return 1;
    }
    std::printf("%s: %d runs\n", qPrintable(file), expected);
    std::vector<double> open, rows, shown;
    for (int rep = 0; rep < reps; ++rep) {
        widgets::MainWindow window;
        window.setInteractive(false);
        window.show();
        QApplication::processEvents();
        QElapsedTimer t;
        t.start();
        const QString error = window.openStore(file);
        if (!error.isEmpty()) {
            std::fprintf(stderr, "bench_run_list: %s\n", qPrintable(error));
            return 1;
        }
        const double opened = ms(t);
        while (window.runModel()->rowCount() < expected && t.elapsed() < 30000) {
            QApplication::processEvents(QEventLoop::AllEvents, 2);
        }
        const double read = ms(t);
        if (window.runModel()->rowCount() < expected) {
            std::fprintf(stderr, "bench_run_list: only %d of %d runs after 30 s\n",
                         window.runModel()->rowCount(), expected);
            return 1;
        }
        window.runList()->table()->viewport()->repaint();  // the paint the next turn would do
        const double painted = ms(t);
        open.push_back(opened);
        rows.push_back(read);
        shown.push_back(painted);
        std::printf("  rep %d: open %.1f ms, rows %.1f ms, shown %.1f ms\n", rep + 1, opened, read,
                    painted);
    }
    std::printf("run list shown after opening (median of %d): %.1f ms (min %.1f, max %.1f); "
                "openStore %.1f ms, rows %.1f ms  [goal < 300 ms]\n",
                reps, median(shown), *std::min_element(shown.begin(), shown.end()),
                *std::max_element(shown.begin(), shown.end()), median(open), median(rows));
    return 0;
}
