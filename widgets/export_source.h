// ExportSource: what a tab of the main window offers to File ▸ Export plots… and Export
// series… (issue 18). A view that has plots inherits it beside its QWidget base
// (`class RunMonitor : public QWidget, public ExportSource`); MainWindow asks the current tab
// with dynamic_cast, so any tab plugs in without MainWindow knowing its class.
// The plots' widgets are owned by the view and stay valid while the export runs (modal).
#pragma once

#include "core/store/series_export.h"
#include "widgets/exportable_plot.h"

#include <QList>
#include <QString>

#include <optional>

namespace flower::widgets {

class ExportSource {
public:
    virtual ~ExportSource() = default;
    // Every plot of every page of the view, in the order the view shows them.
    virtual ExportablePlots exportablePlots() const = 0;
    // A title for the exported document ("run 3 · sft-demo"); "" = the plots' names.
    virtual QString exportTitle() const { return {}; }
    // The runs whose series Export series… writes when the run list has no selection.
    virtual QList<qint64> exportRuns() const { return {}; }
    // The x range the user zoomed a plot to, for "only the zoomed x range"; none when the view
    // shows every point.
    virtual std::optional<store::SeriesRange> zoomedRange() const { return std::nullopt; }
};

}  // namespace flower::widgets
