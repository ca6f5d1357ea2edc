// The comparison as the workbench's "Compare" tab (issue 18): Run ▸ Compare selected runs and the
// run list's "Compare selected" show the selected runs there. Header-only, like monitor_wiring.h,
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
    return view;
}

}  // namespace flower::app
