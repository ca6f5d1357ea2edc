// bench_run_monitor — the run monitor on a big store (make_big_store), against issue 17's goals:
//   time from showRun() to the training plots drawn with every point (goal < 200 ms),
//   resident memory after that (goal < 400 MB, whole process),
//   commit-to-plot latency: a writer thread commits one point at a time into a new run the
//   monitor shows; latency = the loss plot's first replot holding the point − flush() return
//   (goal ≤ 1 s), and the GUI thread's stalls meanwhile (StallProbe).
// Usage: bench_run_monitor STORE [--run ID] [--points N] [--poll MS]
// Adds a run "latency-probe" to STORE each time (the big runs are not touched).
// Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise.
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "widgets/live_plot.h"
#include "widgets/run_monitor.h"
#include "widgets/stall_probe.h"

#include "widgets/custom_plot.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

using namespace flower;
using widgets::LivePlot;
using widgets::RunMonitor;

namespace {

// VmRSS / VmHWM of this process in MB.
double procStatusMb(const char* field) {
    QFile f("/proc/self/status");
    if (!f.open(QIODevice::ReadOnly)) return 0;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(field)) {
            return line.mid(static_cast<int>(std::strlen(field))).trimmed().split(' ').front().toDouble() / 1024.0;
        }
    }
    return 0;
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return widgets::StallProbe::percentile(v, q);
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_run_monitor STORE [--run ID] [--points N] [--poll MS]\n");
        return 2;
    }
    const QString file = QString::fromLocal8Bit(argv[1]);
    qint64 runId = 1;
    int latencyPoints = 40;
    int pollMs = 250;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--run") == 0) runId = std::atoll(argv[i + 1]);
        else if (std::strcmp(argv[i], "--points") == 0) latencyPoints = std::atoi(argv[i + 1]);
        else if (std::strcmp(argv[i], "--poll") == 0) pollMs = std::atoi(argv[i + 1]);
    }
    std::int64_t expected = 0;
    double readMs = 0;
    try {
        store::RunStore reader(file.toStdString(), {false, true, 10000});
        expected = static_cast<std::int64_t>(reader.readSeries(runId, "loss/total").size());
        // The store part of the time to drawn: what the poller's first read does for the series.
        QElapsedTimer t;
        t.start();
        for (const auto& key : reader.seriesKeys(runId)) reader.readSeries(runId, key);
        readMs = static_cast<double>(t.nsecsElapsed()) / 1e6;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_run_monitor: %s\n", e.what());
        return 1;
    }
    const double rssBefore = procStatusMb("VmRSS:");

    RunMonitor monitor;
    monitor.resize(1400, 900);
    monitor.setPollIntervalMs(pollMs);
    monitor.show();
    QApplication::processEvents();
    LivePlot* plots[] = {monitor.findChild<LivePlot*>("lossPlot"), monitor.findChild<LivePlot*>("lrPlot"),
                         monitor.findChild<LivePlot*>("gradNormPlot"),
                         monitor.findChild<LivePlot*>("throughputPlot")};

    // --- time to drawn -------------------------------------------------------------------
    QElapsedTimer clock;
    std::vector<double> drawnMs(4, -1);
    for (int i = 0; i < 4; ++i) {
        LivePlot* p = plots[i];
        QObject::connect(p->plot(), &QCustomPlot::afterReplot, &monitor, [&, p, i] {
            if (drawnMs[static_cast<std::size_t>(i)] < 0 && p->seriesCount() > 0 &&
                static_cast<std::int64_t>(p->points(0).size()) >= expected) {
                drawnMs[static_cast<std::size_t>(i)] = static_cast<double>(clock.nsecsElapsed()) / 1e6;
            }
        });
    }
    double caughtUpMs = -1;
    auto once = QObject::connect(&monitor, &RunMonitor::caughtUp, &monitor, [&] {
        if (caughtUpMs < 0) caughtUpMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    });
    clock.start();
    monitor.showRun(file, runId);
    while (*std::min_element(drawnMs.begin(), drawnMs.end()) < 0 && clock.elapsed() < 30000) {
        QApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    const double drawn = *std::max_element(drawnMs.begin(), drawnMs.end());
    QApplication::processEvents();
    const double rssAfter = procStatusMb("VmRSS:");
    std::printf("run %lld: %lld steps x %d training series\n", static_cast<long long>(runId),
                static_cast<long long>(expected), plots[0]->seriesCount() + 3);
    std::printf("time to drawn (4 training plots, every point): %.1f ms   [loss %.1f, lr %.1f, "
                "grad %.1f, tokens/s %.1f]\n",
                drawn, drawnMs[0], drawnMs[1], drawnMs[2], drawnMs[3]);
    std::printf("  of which reading the run's series from the store (once more, warm cache): %.1f ms\n", readMs);
    std::printf("RSS: %.1f MB before the monitor, %.1f MB after (peak %.1f MB)\n", rssBefore, rssAfter,
                procStatusMb("VmHWM:"));
    QObject::disconnect(once);
    // What one full redraw of each plot costs now that it holds the run (the paint part of the
    // time to drawn).
    for (LivePlot* p : plots) {
        QElapsedTimer t;
        t.start();
        p->plot()->replot(QCustomPlot::rpImmediateRefresh);
        std::printf("  replot %-14s %6.1f ms (%d + %d points drawn of %zu)\n", qPrintable(p->objectName()),
                    static_cast<double>(t.nsecsElapsed()) / 1e6, p->rawGraph(0)->dataCount(),
                    p->smoothGraph(0)->dataCount(), p->points(0).size());
    }

    // --- commit-to-plot latency ----------------------------------------------------------
    std::int64_t probeRun = 0;
    {
        store::RunStore rw(file.toStdString());
        probeRun = rw.createRun({"latency-probe", "{}", "flower", "synthetic", 0, "cpu"});
        rw.startRun(probeRun);
    }
    std::mutex mutex;
    std::vector<qint64> commitNs(static_cast<std::size_t>(latencyPoints), -1);
    std::vector<double> latencyMs;
    LivePlot* loss = plots[0];
    std::atomic<bool> writerDone{false};
    monitor.showRun(file, probeRun);
    std::size_t nextStep = 0;  // the first step whose drawing is not measured yet
    QObject::connect(loss->plot(), &QCustomPlot::afterReplot, &monitor, [&] {
        if (loss->seriesCount() == 0 || loss->points(0).empty()) return;
        const auto last = static_cast<std::size_t>(loss->points(0).back().step);
        const double now = static_cast<double>(clock.nsecsElapsed());
        std::lock_guard<std::mutex> lock(mutex);
        for (; nextStep <= last && nextStep < commitNs.size(); ++nextStep) {
            // A point drawn before its flush() returned is not measured (-1).
            latencyMs.push_back(commitNs[nextStep] >= 0 ? (now - static_cast<double>(commitNs[nextStep])) / 1e6
                                                         : -1.0);
        }
    });
    widgets::StallProbe probe(5);
    probe.start();
    std::thread writer([&] {
        store::RunWriter w(file.toStdString(), probeRun, {std::chrono::milliseconds(250), 1u << 30, false});
        std::uint32_t rng = 99;
        for (int s = 0; s < latencyPoints; ++s) {
            rng = rng * 1664525u + 1013904223u;
            std::this_thread::sleep_for(std::chrono::milliseconds(60 + (rng >> 24) % 200));
            w.scalar("loss/total", s, 1.0 / (1 + s), 0);
            w.flush();
            std::lock_guard<std::mutex> lock(mutex);
            commitNs[static_cast<std::size_t>(s)] = clock.nsecsElapsed();
        }
        w.finish(store::RunStatus::Finished);
        writerDone = true;
    });
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 120000) {
        QApplication::processEvents(QEventLoop::AllEvents, 5);
        std::lock_guard<std::mutex> lock(mutex);
        if (writerDone && static_cast<int>(latencyMs.size()) >= latencyPoints) break;
    }
    writer.join();
    probe.stop();
    std::vector<double> measured;
    for (double v : latencyMs) if (v >= 0) measured.push_back(v);
    std::printf("commit-to-plot latency (poll every %d ms, %zu of %d points measured): median %.1f ms, "
                "p90 %.1f ms, max %.1f ms\n",
                pollMs, measured.size(), latencyPoints, percentile(measured, 0.5), percentile(measured, 0.9),
                measured.empty() ? 0.0 : *std::max_element(measured.begin(), measured.end()));
    const auto r = probe.report();
    std::printf("GUI stalls meanwhile: %lld samples, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                static_cast<long long>(r.samples), r.p50Ms, r.p99Ms, r.maxMs);
    return 0;
}
