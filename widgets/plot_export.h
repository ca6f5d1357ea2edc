// PlotExport: the one path every plot of the workbench takes to a file (issue 18) — the export
// dialog, a LivePlot's context menu, the flow graph's button and `flower export --plot`.
//
// Size and resolution: a plot is laid out at its physical size (width × height in mm, or in
// pixels at `dpi`), so its text keeps its point size whatever the DPI; PNG draws that layout
// at `dpi` (pixels = inches × dpi, the resolution written into the file), PDF and SVG draw it
// as vectors (one unit = 1/96 in, as on screen). Pens the screen draws one pixel wide stay
// proportionate at any DPI.
// What is drawn: a QCustomPlot (or a LivePlot's or GroupHistogramView's plot) through its
// painter API, so curves and text stay vectors; a QGraphicsView its scene; any other widget
// through QWidget::render(). Offer the LivePlot / GroupHistogramView rather than its inner
// QCustomPlot: then print colours restyle it too.
// Several plots: PDF writes one page per plot (multi-page) unless onePerPlot; PNG and SVG,
// which have no pages, always write one file per plot, named <stem>-<plot name>.<suffix>.
// Failure: the returned message names the file ("" on success); nothing throws.
#pragma once

#include "widgets/exportable_plot.h"

#include <QSizeF>
#include <QString>
#include <QStringList>

namespace flower::widgets {

struct PlotExportOptions {
    enum class Format { Png, Svg, Pdf };
    enum class Unit { Millimetres, Pixels };
    Format format = Format::Pdf;
    Unit unit = Unit::Millimetres;
    QSizeF size{160, 100};   // in `unit`; pixels are pixels of the PNG at `dpi`
    int dpi = 300;
    bool onePerPlot = false; // PDF: one file per plot instead of one page per plot
    // Light colours (white background) whatever the workbench's theme: dark-theme plots are
    // drawn with the style's light palette while they are exported.
    bool printColours = true;
    QString title;           // PDF / SVG document title; "" = the plots' names

    // The size in inches, and the layout size in screen pixels (96 per inch).
    QSizeF inches() const;
    QSize layoutPixels() const;
    // The PNG's size in pixels.
    QSize imagePixels() const;
};

class PlotExport {
public:
    // "png", "svg", "pdf" (any case) → the format; false when unknown.
    static bool formatFromSuffix(const QString& suffix, PlotExportOptions::Format* format);
    static QString suffix(PlotExportOptions::Format format);
    // The files exportPlots writes for `plots` to `file` (its suffix replaced by the format's).
    static QStringList targetFiles(const ExportablePlots& plots, const QString& file,
                                   const PlotExportOptions& options);
    // Writes `plots`; "" or the reason. `written` receives the files written.
    static QString exportPlots(const ExportablePlots& plots, const QString& file,
                               const PlotExportOptions& options, QStringList* written = nullptr);
    // One widget to `file`, format by suffix, at the widget's on-screen size (96 dpi for
    // vectors, `dpi` for PNG): the single-plot exports of the context menus.
    static QString exportWidget(QWidget* widget, const QString& name, const QString& file, int dpi = 192);
    // "Loss by term" → "loss-by-term": a file-name part.
    static QString slug(const QString& name);
};

}  // namespace flower::widgets
