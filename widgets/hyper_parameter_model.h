// HyperParameterModel: the comparison's hyper-parameter table — one row per selected run, the
// run ("#7 name") then one column per flattened config key (core/compare/config_flattening.h,
// values in --set form). Columns whose value is the same in every run are hidden unless
// setShowEqual(true); the header's tooltip is the full dotted key. A decoration in the first
// column shows the run's colour (RunPalette key "run:<id>" or its group's key).
#pragma once

#include "widgets/comparison_data.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QHash>

#include <string>
#include <vector>

namespace flower::widgets {

class HyperParameterModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int RunIdRole = Qt::UserRole + 1;

    explicit HyperParameterModel(QObject* parent = nullptr);

    void setRuns(std::vector<ComparedRun> runs);  // series are not needed (nor kept)
    void setShowEqual(bool on);
    bool showEqual() const { return showEqual_; }
    // The colour swatch of each run (by run id); runs without one show none.
    void setColors(const QHash<qint64, QColor>& colors);

    qint64 runId(int row) const;
    int rowOf(qint64 runId) const;
    // The config key of a column (column 0, the run, is "").
    std::string keyOf(int column) const;
    // Keys whose values differ across the runs (what the view offers to group by).
    const std::vector<std::string>& differingKeys() const { return differing_; }
    int equalColumnCount() const { return static_cast<int>(allKeys_.size() - differing_.size()); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    void updateColumns();

    std::vector<ComparedRun> runs_;
    std::vector<std::string> allKeys_;
    std::vector<std::string> differing_;
    std::vector<std::string> columns_;
    QHash<qint64, QColor> colors_;
    bool showEqual_ = false;
};

}  // namespace flower::widgets
