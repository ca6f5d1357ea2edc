// SamplesModel: the titles the policy generated at one evaluation (the store's `samples` rows),
// as a table: prompt, title, whether it is an item of the catalogue, and its log-probability
// under the policy. The model owns a copy of the rows; the monitor replaces them whole when a
// newer evaluation arrives. Sort through a QSortFilterProxyModel (SortRole gives raw values).
#pragma once

#include "core/store/run_records.h"

#include <QAbstractTableModel>

#include <vector>

namespace flower::widgets {

class SamplesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { PromptColumn, TitleColumn, ValidColumn, LogProbColumn, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit SamplesModel(QObject* parent = nullptr);

    void setSamples(std::vector<store::SampleRow> rows);
    const std::vector<store::SampleRow>& samples() const { return rows_; }
    // The evaluation step of the rows (-1 when empty).
    qint64 step() const;
    int validCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<store::SampleRow> rows_;
};

}  // namespace flower::widgets
