// ExportablePlot: one plot a view offers to the export dialog and to `flower export --plot`
// (issue 18). Views list theirs (`exportablePlots()`); widgets/plot_export renders each to PNG,
// SVG or PDF — a QCustomPlot (or a LivePlot's) as vectors, any other widget through render().
// `widget` is owned by the view and must outlive the export call.
#pragma once

#include <QList>
#include <QString>

class QWidget;

namespace flower::widgets {

struct ExportablePlot {
    QString name;               // "Loss", "Popularity groups (test)": a page title, a file stem
    QWidget* widget = nullptr;  // a QCustomPlot, a LivePlot, or any widget that paints itself
};

using ExportablePlots = QList<ExportablePlot>;

}  // namespace flower::widgets
