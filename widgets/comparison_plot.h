// ComparisonPlot: one series key of the comparison (loss/total, valid/ndcg@5, …) drawn for
// every selected run or group on shared axes — a QCustomPlot like LivePlot's (PlotStyle colours,
// title, legend above the axes, wheel zoom, drag pan, double-click fits), but for finished data:
// each curve is replaced whole (setCurves), never appended to.
// A group's curve is its mean with a band (± sample std or min–max, BandMode) filled under it;
// a run's curve is its (smoothed) series. Curves with more points than 4× the axis width are
// drawn as their per-pixel envelope (EnvelopeDownsampler), bands likewise.
// Colours come from the view's RunPalette (one colour per run / group in every plot); beyond
// the palette's 8 colours the pen turns dashed, then dotted.
// Linking: setHighlighted(keys) draws those curves above the others, which fade (and thicker
// where the curve is sparse: a dense curve stays 1 px wide, see style());
// curveHovered(key) says which curve is within 8 px of the mouse ("" when none).
#pragma once

#include "widgets/comparison_data.h"

#include <QSet>
#include <QString>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPGraph;
class QMouseEvent;

namespace flower::widgets {

class RunPalette;

class ComparisonPlot : public QWidget {
    Q_OBJECT
public:
    ComparisonPlot(const QString& title, const QString& yLabel, QWidget* parent = nullptr);
    ~ComparisonPlot() override;

    void setCurves(std::vector<ComparedCurve> curves, compare::XAlign align, BandMode band,
                   RunPalette& palette);
    void setHighlighted(const QSet<QString>& keys);
    void resetView();

    QCustomPlot* plot() const { return plot_; }
    const std::vector<ComparedCurve>& curves() const { return curves_; }
    // The graph of curve i's line (tests).
    QCPGraph* lineGraph(int curve) const;
    QString title() const { return title_; }

Q_SIGNALS:
    void curveHovered(const QString& key);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Drawn {
        QCPGraph* line = nullptr;
        QCPGraph* lower = nullptr;
        QCPGraph* upper = nullptr;
        QColor color;
        int colorIndex = 0;
        bool dense = false;  // more drawn points than 2 per pixel column
        Qt::PenStyle pen = Qt::SolidLine;
    };
    int pixelColumns() const;
    void rebuild();
    void style();
    void onMouseMove(QMouseEvent* event);

    QCustomPlot* plot_ = nullptr;
    QString title_;
    std::vector<ComparedCurve> curves_;
    std::vector<Drawn> drawn_;
    BandMode band_ = BandMode::StdDev;
    compare::XAlign align_ = compare::XAlign::Step;
    QSet<QString> highlighted_;
    QString hovered_;
    int columnsUsed_ = 0;
};

}  // namespace flower::widgets
