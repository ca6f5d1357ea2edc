// The comparison as the workbench's "Compare" tab (issue 18): Run ▸ Compare selected runs and the
// run list's "Compare selected" show the selected runs there; a sweep's "Compare group" shows
// its runs grouped by its first varied field. Header-only, like monitor_wiring.h,
// so that benches and tests can assemble the same window.
#pragma once

#include "widgets/comparison_view.h"
#include "widgets/main_window.h"

#include <QObject>

namespace flower::app {

inline widgets::ComparisonView* addComparisonView(widgets::MainWindow& window) {
    auto* view = new widgets::ComparisonView(&window);
    window.addView(QObject::tr("Compare"), view);
    QObject::connect(&window, &widgets::MainWindow::compareRequested, view,
                     [&window, view](const QString& store, const QList<qint64>& ids) {
                         view->showRuns(store, ids);
                         window.showView("compare");
                     });
    // A sweep's group: its runs grouped by its first varied field (seeds aggregated).
    QObject::connect(&window, &widgets::MainWindow::compareGroupRequested, view,
                     [&window, view](const QString& store, qint64, const QList<qint64>& ids,
                                     const QStringList& groupBy) {
                         view->showRuns(store, ids, groupBy.isEmpty() ? QString() : groupBy.front());
                         window.showView("compare");
                     });
    return view;
}

}  // namespace flower::app
