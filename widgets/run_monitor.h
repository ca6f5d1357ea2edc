// RunMonitor: the live view of one run, read from the store (the single source of truth), so a
// run started by this window, the CLI or another machine shows the same way.
// Tabs: Training (loss by term, learning rate, gradient norm, tokens/s), Popularity groups
// (GroupHistogramView), KL / JS (title and token level; sampled from `divergences`, exact from
// the `*_exact` evaluation metrics), Evaluation (one small plot per stored metric), Samples (the
// latest evaluation's generated titles), Diagnostics (every other per-step series: step time,
// what the objective reports besides its loss terms). A tool row sets EMA smoothing, the x axis (step, epoch,
// time) and log-scale loss for every plot.
//
// Reading: showRun() reads the run's history lazily (on the first poll), then polls every
// pollIntervalMs (default 250 ms) for rows newer than those read. Every query runs on the
// monitor's own worker thread (StorePoller, with its own read-only connection); results come
// back by queued signal and are appended to the plots. At most one poll is in flight.
// Failure: a store that cannot be read shows its message above the tabs; polling goes on.
#pragma once

#include "widgets/export_source.h"

#include <QString>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QPushButton;
class QSlider;
class QTabWidget;
class QThread;
class QTimer;

namespace flower::store {
struct RunInfo;
struct ScalarPoint;
}  // namespace flower::store

namespace flower::widgets {

class GroupHistogramView;
class LivePlot;
class PlotGrid;
class SamplesModel;
class StorePoller;
struct MonitorBatch;

class RunMonitor : public QWidget, public ExportSource {
    Q_OBJECT
public:
    explicit RunMonitor(QWidget* parent = nullptr);
    ~RunMonitor() override;

    // Shows run `runId` of `storeFile`: its series are read when this is called (lazily), then
    // rows newer than the last one read are polled (off the GUI thread) and appended.
    void showRun(const QString& storeFile, qint64 runId);
    void clear();
    qint64 runId() const;
    void setPollIntervalMs(int ms);

    // The tab names, for `--view` and tests: "training", "groups", "divergences", "evaluation",
    // "samples", "diagnostics". False when unknown.
    bool showTab(const QString& name);

    // ExportSource: every plot of every tab (Training's four, the popularity groups, the two
    // KL / JS plots, each evaluation and diagnostics plot), names as their titles.
    ExportablePlots exportablePlots() const override;
    // The plots of one tab (a showTab name), for `flower export --plot`.
    ExportablePlots exportablePlots(const QString& tab) const;
    QString exportTitle() const override;
    QList<qint64> exportRuns() const override;
    // The x range of the first plot the user zoomed or panned (Training first), in the store's
    // units (wall time as Unix seconds).
    std::optional<store::SeriesRange> zoomedRange() const override;
    // Opens the export dialog on this monitor's plots (the tool row's Export… button).
    void chooseExport();

Q_SIGNALS:
    // After a poll that found nothing newer than what is shown (the --screenshot readiness).
    void caughtUp(qint64 runId, qint64 lastStep);

private:
    void buildUi();
    void clearViews();
    void requestPoll();
    void onBatch(const MonitorBatch& batch);
    void applyRun(const store::RunInfo& run);
    void addSeries(const std::string& key, const std::vector<store::ScalarPoint>& points);
    void addDivergences(const MonitorBatch& batch);
    void addEvaluations(const MonitorBatch& batch);
    void updateHeader();
    void updateEmptyTexts();
    store::ScalarPoint clockPoint(std::int64_t step, double value) const;
    LivePlot* evaluationPlot(const std::string& metric);
    LivePlot* diagnosticsPlot(const std::string& key);
    void configureNew(LivePlot* plot, bool smoothed);
    void forEachPlot(const std::function<void(LivePlot*)>& f);

    // UI
    QLabel* header_ = nullptr;
    QLabel* error_ = nullptr;
    QSlider* smoothing_ = nullptr;
    QLabel* smoothingValue_ = nullptr;
    QComboBox* xAxis_ = nullptr;
    QCheckBox* logLoss_ = nullptr;
    QPushButton* export_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    LivePlot* loss_ = nullptr;
    LivePlot* lr_ = nullptr;
    LivePlot* gradNorm_ = nullptr;
    LivePlot* throughput_ = nullptr;
    LivePlot* titleDiv_ = nullptr;
    LivePlot* tokenDiv_ = nullptr;
    GroupHistogramView* groups_ = nullptr;
    PlotGrid* evaluation_ = nullptr;
    PlotGrid* diagnostics_ = nullptr;
    SamplesModel* samples_ = nullptr;
    QLabel* samplesHeader_ = nullptr;

    // Reading
    QThread* thread_ = nullptr;
    StorePoller* poller_ = nullptr;
    QTimer* pollTimer_ = nullptr;
    quint64 generation_ = 0;
    bool inFlight_ = false;
    QString storeFile_;
    qint64 runId_ = 0;
    qint64 lastStep_ = -1;

    // What the run is (from the store)
    QString runName_;
    QString method_;
    QString dataset_;
    QString status_;
    qint64 maxSteps_ = 0;
    qint64 evalEvery_ = -1;  // evaluation.every_steps; 0 = each epoch end; -1 = unknown
    double timeOrigin_ = 0;  // wall time of the run's first training point (t = 0 of the time axis)
    // step → (epoch, wall time) of the training series: places evaluation rows (which carry
    // neither) on the epoch and time axes.
    std::map<std::int64_t, std::pair<double, double>> clock_;
};

}  // namespace flower::widgets
