// PlotGrid: a scrolling grid of small LivePlots created on demand, one per key (an evaluation
// metric, a diagnostic series), in two columns, ordered by (rank, key) whatever order the keys
// arrive in — "small multiples", each with its own y scale. Shows `emptyText` until the first
// plot exists. Owns its plots.
#pragma once

#include "widgets/live_plot.h"

#include <QScrollArea>

#include <functional>
#include <map>
#include <string>
#include <utility>

class QGridLayout;
class QLabel;

namespace flower::widgets {

class PlotGrid : public QScrollArea {
    Q_OBJECT
public:
    explicit PlotGrid(QWidget* parent = nullptr);

    // The plot of `key`, created with `title` and `yLabel` when new (its objectName is
    // objectPrefix + key). `configure` runs once on a new plot (x axis, smoothing, ...).
    LivePlot* plot(const std::string& key, const QString& title, const QString& yLabel, int rank,
                   const std::function<void(LivePlot*)>& configure);
    LivePlot* find(const std::string& key) const;
    void forEachPlot(const std::function<void(LivePlot*)>& f);
    void clear();
    void setEmptyText(const QString& text);
    void setObjectPrefix(const QString& prefix) { prefix_ = prefix; }

private:
    QWidget* page_ = nullptr;
    QGridLayout* grid_ = nullptr;
    QLabel* empty_ = nullptr;
    QString prefix_;
    std::map<std::pair<int, std::string>, LivePlot*> plots_;  // (rank, key) → plot: layout order
};

}  // namespace flower::widgets
