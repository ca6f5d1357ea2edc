// PlotStyle: how every QCustomPlot of the workbench looks — colours and text taken from the
// widget's palette (so plots follow light and dark themes), and one categorical series palette
// (Okabe–Ito, readable by colour-blind readers) in a lighter variant on dark backgrounds.
#pragma once

#include <QColor>
#include <QPalette>

class QCustomPlot;

namespace flower::widgets {

class PlotStyle {
public:
    // True when the palette's window colour is dark.
    static bool isDark(const QPalette& palette);
    // The i-th series colour (cycles after 8).
    static QColor seriesColor(int index, const QPalette& palette);
    // Background, axes, ticks, grid, labels and legend of `plot` from `palette`.
    // Call again on QEvent::PaletteChange.
    static void apply(QCustomPlot* plot, const QPalette& palette);
};

}  // namespace flower::widgets
