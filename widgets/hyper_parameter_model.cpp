#include "widgets/hyper_parameter_model.h"

#include <QFont>

#include <algorithm>

namespace flower::widgets {

HyperParameterModel::HyperParameterModel(QObject* parent) : QAbstractTableModel(parent) {}

void HyperParameterModel::setRuns(std::vector<ComparedRun> runs) {
    beginResetModel();
    runs_ = std::move(runs);
    for (auto& r : runs_) r.series.clear();
    std::vector<compare::FlatConfig> configs;
    for (const auto& r : runs_) configs.push_back(r.config);
    allKeys_.clear();
    for (const auto& v : compare::keyVariation(configs)) allKeys_.push_back(v.key);
    differing_ = compare::differingKeys(configs);
    updateColumns();
    endResetModel();
}

void HyperParameterModel::updateColumns() {
    if (showEqual_) {
        // The differing keys first (what the user compares), then the rest, each sorted.
        columns_ = differing_;
        for (const auto& k : allKeys_) {
            if (std::find(differing_.begin(), differing_.end(), k) == differing_.end()) columns_.push_back(k);
        }
    } else {
        columns_ = differing_;
    }
}

void HyperParameterModel::setShowEqual(bool on) {
    if (on == showEqual_) return;
    beginResetModel();
    showEqual_ = on;
    updateColumns();
    endResetModel();
}

void HyperParameterModel::setColors(const QHash<qint64, QColor>& colors) {
    colors_ = colors;
    if (!runs_.empty()) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, 0), {Qt::DecorationRole});
}

qint64 HyperParameterModel::runId(int row) const {
    return row >= 0 && row < rowCount() ? runs_[static_cast<std::size_t>(row)].id : 0;
}

int HyperParameterModel::rowOf(qint64 runId) const {
    for (std::size_t i = 0; i < runs_.size(); ++i) {
        if (runs_[i].id == runId) return static_cast<int>(i);
    }
    return -1;
}

std::string HyperParameterModel::keyOf(int column) const {
    return column >= 1 && column <= static_cast<int>(columns_.size())
               ? columns_[static_cast<std::size_t>(column - 1)]
               : std::string();
}

int HyperParameterModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(runs_.size());
}

int HyperParameterModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : 1 + static_cast<int>(columns_.size());
}

QVariant HyperParameterModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const ComparedRun& r = runs_[static_cast<std::size_t>(index.row())];
    if (role == RunIdRole) return r.id;
    if (index.column() == 0) {
        if (role == Qt::DisplayRole) return QStringLiteral("#%1 %2").arg(r.id).arg(r.name);
        if (role == Qt::ToolTipRole) return tr("%1 · %2 · %3").arg(r.name, r.method, r.status);
        if (role == Qt::DecorationRole) {
            const auto it = colors_.constFind(r.id);
            if (it != colors_.constEnd()) return *it;
        }
        return {};
    }
    const std::string key = keyOf(index.column());
    const auto value = compare::flatValue(r.config, key);
    if (role == Qt::DisplayRole) return value ? QString::fromStdString(*value) : QStringLiteral("—");
    if (role == Qt::ToolTipRole) {
        return QString::fromStdString(key + "=" + value.value_or("(not set)"));
    }
    return {};
}

QVariant HyperParameterModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (section == 0) {
        if (role == Qt::DisplayRole) return tr("Run");
        return {};
    }
    const std::string key = keyOf(section);
    if (role == Qt::DisplayRole) return QString::fromStdString(key);
    if (role == Qt::ToolTipRole) {
        const bool differs = std::find(differing_.begin(), differing_.end(), key) != differing_.end();
        return QString::fromStdString(key) + (differs ? tr(" (differs across the runs)")
                                                      : tr(" (the same in every run)"));
    }
    if (role == Qt::FontRole) {
        QFont f;
        f.setBold(std::find(differing_.begin(), differing_.end(), key) != differing_.end());
        return f;
    }
    return {};
}

}  // namespace flower::widgets
