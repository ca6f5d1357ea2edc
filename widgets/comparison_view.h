// ComparisonView: the "Compare" tab (issue 18) — the selected runs side by side.
//
//   [runs · x axis (step / epoch / wall time) · smoothing · group by · band]
//   ┌ one ComparisonPlot per series key (loss/total, loss terms, valid metrics, lr, …), two
//   │ columns, shared x alignment; one colour per run or group in every plot (RunPalette)
//   ├ Hyper-parameters: HyperParameterModel (columns equal across the runs hidden by default)
//   └ Metrics table: Table 4 (NDCG@5 … TTR) or Table 3 (title / token KL both ways, JS), best
//     per column bold, second underlined, mean ± std over seeds; copy as LaTeX, Markdown, CSV
//
// Group by any config key that differs across the runs: each group is drawn as its mean with a
// ±std or min–max band and "λ=0.1 (n=3)" in the legend; smoothing is applied per run before
// aggregating (core/compare/series_aggregation.h). Reading the store, smoothing and aggregating
// run on ComparisonWorker's thread; the GUI thread only draws.
// Linking: selecting rows of the hyper-parameter table highlights their curves (others fade);
// hovering a curve selects its run's (or group's) rows.
// Failure: a missing run or unreadable store shows the message in place of the plots
// (loadFailed); an ambiguous paper table shows its message in the metrics tab.
#pragma once

#include "widgets/comparison_data.h"
#include "widgets/export_source.h"
#include "widgets/exportable_plot.h"
#include "widgets/run_palette.h"

#include <QList>
#include <QMap>
#include <QWidget>

#include <optional>

#include <memory>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;
class QTableView;
class QTableWidget;
class QTabWidget;

namespace flower::widgets {

class ComparisonPlot;
class ComparisonWorker;
class HyperParameterModel;

class ComparisonView : public QWidget, public ExportSource {
    Q_OBJECT
public:
    explicit ComparisonView(QWidget* parent = nullptr);
    ~ComparisonView() override;

    // Reads these runs of `storeFile` (on the worker) and draws them.
    void showRuns(const QString& storeFile, const QList<qint64>& runIds);
    // The same, grouped by `groupKey` once the runs are read (a sweep's "Compare group": its
    // varied field; "" = one curve per run). A key the runs do not differ in is ignored.
    void showRuns(const QString& storeFile, const QList<qint64>& runIds, const QString& groupKey);
    QList<qint64> runIds() const { return runIds_; }

    void setAlignment(compare::XAlign align);
    void setSmoothing(double weight);  // [0, 1)
    // "" = one curve per run; otherwise a key offered by groupKeys().
    void setGroupKey(const QString& key);
    void setBandMode(BandMode mode);
    QStringList groupKeys() const;

    ComparisonPlot* plotFor(const QString& seriesKey) const;
    QList<ComparisonPlot*> plots() const;
    HyperParameterModel* parameterModel() const { return model_; }
    QTableView* parameterTable() const { return table_; }
    QTableWidget* metricsTable() const { return metrics_; }
    // Table 4 (false) or Table 3 (true) in the metrics tab; exact = the _exact divergences.
    void showDivergenceTable(bool divergences, bool exact = false);
    const store::ResultTable& shownTable() const;
    // ExportSource: File ▸ Export plots… / Export series… on this tab.
    ExportablePlots exportablePlots() const override;
    QList<qint64> exportRuns() const override { return runIds_; }

Q_SIGNALS:
    void loaded();    // runs and tables read (before the curves)
    void computed();  // plots drawn for the current settings
    void loadFailed(const QString& message);

private:
    void recompute();
    void applyPlots(int generation, std::vector<ComparedPlot> plots);
    void applyLoaded(std::vector<ComparedRun> runs, ComparedTables tables);
    void updateHighlight();
    void onCurveHovered(const QString& key);
    void fillMetricsTable();
    void copyTable(const QString& format);
    void layoutPlots();

    std::unique_ptr<ComparisonWorker> worker_;
    QString storeFile_;
    QList<qint64> runIds_;
    ComparisonSettings settings_;
    BandMode band_ = BandMode::StdDev;
    int pending_ = 0;  // generation of the compute whose result is awaited
    RunPalette palette_;
    ComparedTables tables_;

    QLabel* runsLabel_ = nullptr;
    QComboBox* align_ = nullptr;
    QSlider* smoothing_ = nullptr;
    QLabel* smoothingValue_ = nullptr;
    QComboBox* group_ = nullptr;
    QComboBox* bandBox_ = nullptr;
    QWidget* plotPage_ = nullptr;
    QGridLayout* plotGrid_ = nullptr;
    QLabel* empty_ = nullptr;
    QMap<QString, ComparisonPlot*> plots_;  // series key → plot
    QStringList plotOrder_;
    HyperParameterModel* model_ = nullptr;
    QTableView* table_ = nullptr;
    QCheckBox* showEqual_ = nullptr;
    QComboBox* tableKind_ = nullptr;
    QCheckBox* exact_ = nullptr;
    QTableWidget* metrics_ = nullptr;
    QLabel* metricsNote_ = nullptr;
    bool failed_ = false;     // the last load failed: its message stays in place of the plots
    std::optional<QString> pendingGroupKey_;  // applied when the next load arrives
};

}  // namespace flower::widgets
