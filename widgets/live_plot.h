// LivePlot: the curve view every monitor plot uses — a QCustomPlot over series that only grow.
//
// Data: each series keeps its full history (step, epoch, value, wall time) and its debiased EMA
// (SeriesSmoothing, computed on the full series as points arrive). What is drawn is the full
// series while it has no more points than 4× the plot's pixel width, appended with
// QCPGraph::addData (sorted keys) and redrawn with rpQueuedReplot (a burst of appends costs one
// paint); beyond that, a min/max envelope per pixel column (EnvelopeDownsampler) of the raw and
// of the smoothed series, rebuilt when points arrive or the axis rect's width changes.
// With smoothing on, the raw curve stays visible, faint, behind its smoothed curve (as
// TensorBoard).
//
// Interaction: wheel zooms, drag pans, double-click (or "Reset view") fits all data again; while
// the user has not zoomed or panned, the view follows new points. A crosshair shows the values
// of every series at the step under the mouse. Context menu: log scale, reset, export
// (PNG, PDF, SVG by the file's suffix).
// Colours and text follow the widget's palette (PlotStyle), also when it changes.
#pragma once

#include "core/store/run_records.h"

#include <QString>
#include <QWidget>

#include <memory>
#include <span>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemText;
class QMouseEvent;

namespace flower::widgets {

class LivePlot : public QWidget {
    Q_OBJECT
public:
    enum class XAxis { Step, Epoch, WallTime };
    struct SeriesStyle {
        Qt::PenStyle pen = Qt::SolidLine;
        bool markers = false;  // a dot at each point (sparse series: evaluations)
        int colorIndex = -1;   // -1: the next colour of the palette
        int order = 0;         // legend position, ascending (ties: the order of addSeries)
        bool smoothed = true;  // the EMA applies (false: sparse series such as evaluations)
    };

    // `title` above the plot; `yLabel` names the quantity and its unit ("learning rate").
    explicit LivePlot(const QString& title, const QString& yLabel, QWidget* parent = nullptr);
    ~LivePlot() override;

    // A new, empty series; returns its index. Names are shown in the legend and read-out.
    int addSeries(const QString& name, SeriesStyle style);
    int addSeries(const QString& name) { return addSeries(name, SeriesStyle{}); }
    // The index of the series called `name`, or -1.
    int seriesIndex(const QString& name) const;
    int seriesCount() const;
    QString seriesName(int series) const;
    // Appends points in increasing step order; points at a step not after the series' last
    // step are ignored (a series only grows).
    void append(int series, std::span<const store::ScalarPoint> points);
    // Removes every series.
    void clear();

    // What the plot says while it has no points ("no evaluation yet — ...").
    void setEmptyText(const QString& text);
    // EMA weight in [0, 1): 0 = raw curves only.
    void setSmoothing(double weight);
    double smoothing() const;
    void setLogY(bool on);
    bool logY() const;
    void setXAxis(XAxis axis);
    XAxis xAxis() const;
    // The wall-time axis shows time since this Unix time (e.g. the run's first point); until
    // set, the first point's wall time.
    void setTimeOrigin(double unixSeconds);
    // Fits every point into view and follows new points again.
    void resetView();
    // Whether the view follows new points (false after the user zoomed or panned).
    bool followsData() const;
    // PNG, PDF or SVG by the suffix of `file`; false (and *error) when it cannot be written.
    bool exportTo(const QString& file, QString* error = nullptr);

    // --- read access (crosshair, tests, benchmarks) ----------------------------------------
    const std::vector<store::ScalarPoint>& points(int series) const;
    const std::vector<double>& smoothed(int series) const;
    // The graph drawn for the series' raw values and for its smoothed values.
    QCPGraph* rawGraph(int series) const;
    QCPGraph* smoothGraph(int series) const;
    // The crosshair's text for x coordinate `key` (in the current x axis units).
    QString readout(double key) const;
    QCustomPlot* plot() const;
    // The title shown above the plot (the export's page title and file name).
    QString title() const { return title_; }

Q_SIGNALS:
    // After points were appended to the drawn data of `series` (its last step now `lastStep`).
    void pointsAppended(int series, qint64 lastStep);

protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Series;
    double keyOf(const store::ScalarPoint& p) const;
    int pixelColumns() const;
    void styleGraphs(Series& s);
    void rebuildLegend();
    void placeLegend();
    bool smoothes(const Series& s) const;
    std::vector<std::size_t> legendOrder() const;
    void rebuildDisplay(Series& s);
    void rebuildAll();
    void updateAxisTitles();
    void followIfAllowed();
    void onMouseMove(QMouseEvent* event);
    void onContextMenu(const QPoint& pos);
    void hideCrosshair();

    QCustomPlot* plot_ = nullptr;
    QCPItemText* emptyText_ = nullptr;
    QCPItemStraightLine* crosshair_ = nullptr;
    QCPItemText* readoutText_ = nullptr;
    QString title_;
    QString yLabel_;
    std::vector<std::unique_ptr<Series>> series_;
    double smoothing_ = 0.0;
    XAxis xAxis_ = XAxis::Step;
    bool logY_ = false;
    bool follow_ = true;
    bool painted_ = false;
    int columnsUsed_ = 0;   // the pixel width the drawn envelopes were built for  // a full replot happened (layer buffers exist)
    bool timeOriginSet_ = false;
    double timeOrigin_ = 0.0;
};

}  // namespace flower::widgets
