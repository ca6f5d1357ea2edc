// The run monitor as the workbench's "Monitor" tab, and which run it follows: the run the user
// selects or opens in the run list, and the run the queue starts while the monitor shows none or
// the previous run the queue started (so a queue can be watched end to end). Header-only so that
// the walk-through driver (tests/bench/widgets/workbench_walkthrough.cpp) assembles the window
// exactly as flower-workbench does.
#pragma once

#include "widgets/main_window.h"
#include "widgets/run_monitor.h"
#include "widgets/run_queue.h"

#include <QObject>

#include <memory>

namespace flower::app {

inline widgets::RunMonitor* addRunMonitor(widgets::MainWindow& window) {
    auto* monitor = new widgets::RunMonitor(&window);
    window.addView(QObject::tr("Monitor"), monitor);
    auto following = std::make_shared<qint64>(0);
    QObject::connect(&window, &widgets::MainWindow::runSelected, monitor,
                     [monitor, following](const QString& file, qint64 id) {
                         if (id != monitor->runId()) *following = 0;
                         monitor->showRun(file, id);
                     });
    QObject::connect(&window, &widgets::MainWindow::runOpened, monitor,
                     [&window](const QString&, qint64) { window.showView("monitor"); });
    QObject::connect(window.queue(), &widgets::RunQueue::runStarted, monitor,
                     [&window, monitor, following](qint64 id) {
                         if (monitor->runId() != 0 && monitor->runId() != *following) return;
                         *following = id;
                         monitor->showRun(window.storeFile(), id);
                         window.showView("monitor");
                     });
    return monitor;
}

}  // namespace flower::app
