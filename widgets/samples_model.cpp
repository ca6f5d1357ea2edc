#include "widgets/samples_model.h"

#include <QColor>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>
#include <cmath>

namespace flower::widgets {

SamplesModel::SamplesModel(QObject* parent) : QAbstractTableModel(parent) {}

void SamplesModel::setSamples(std::vector<store::SampleRow> rows) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

qint64 SamplesModel::step() const { return rows_.empty() ? -1 : rows_.front().step; }

int SamplesModel::validCount() const {
    return static_cast<int>(std::count_if(rows_.begin(), rows_.end(), [](const auto& r) { return r.valid; }));
}

int SamplesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SamplesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SamplesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const store::SampleRow& r = rows_[static_cast<std::size_t>(index.row())];
    switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
                case PromptColumn: return QVariant::fromValue<qlonglong>(r.promptId);
                case TitleColumn: return QString::fromStdString(r.title);
                case ValidColumn: return r.valid ? tr("valid") : tr("not an item");
                case LogProbColumn:
                    return r.logProb ? QString::number(*r.logProb, 'f', 3) : QStringLiteral("—");
                default: return {};
            }
        case SortRole:
            switch (index.column()) {
                case PromptColumn: return QVariant::fromValue<qlonglong>(r.promptId);
                case TitleColumn: return QString::fromStdString(r.title);
                case ValidColumn: return r.valid;
                case LogProbColumn: return r.logProb ? *r.logProb : -HUGE_VAL;
                default: return {};
            }
        case Qt::TextAlignmentRole:
            return index.column() == TitleColumn
                       ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                       : QVariant(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::ForegroundRole:
            if (index.column() == ValidColumn && !r.valid) {
                const bool dark = QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
                return QColor(dark ? 0xFF8A80 : 0xC62828);
            }
            return {};
        case Qt::ToolTipRole:
            if (index.column() == LogProbColumn && r.logProb) {
                return tr("log p = %1 (p = %2)").arg(*r.logProb, 0, 'g', 6).arg(std::exp(*r.logProb), 0, 'g', 4);
            }
            return {};
        default: return {};
    }
}

QVariant SamplesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
        case PromptColumn: return tr("Prompt");
        case TitleColumn: return tr("Generated title");
        case ValidColumn: return tr("Catalogue item");
        case LogProbColumn: return tr("log p (nats)");
        default: return {};
    }
}

}  // namespace flower::widgets
