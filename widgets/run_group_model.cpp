#include "widgets/run_group_model.h"

#include "widgets/run_list_model.h"

#include <QFont>
#include <QHash>
#include <QMap>

namespace flower::widgets {

namespace {

constexpr quintptr kTopLevel = 0;

}  // namespace

RunGroupModel::RunGroupModel(QAbstractItemModel* flat, const RunListModel* runs, QObject* parent)
    : QAbstractItemModel(parent), flat_(flat), runs_(runs) {
    connect(flat_, &QAbstractItemModel::dataChanged, this, &RunGroupModel::onFlatDataChanged);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved}) {
        connect(flat_, signal, this, [this] { rebuild(); });
    }
    connect(flat_, &QAbstractItemModel::rowsMoved, this, [this] { rebuild(); });
    connect(flat_, &QAbstractItemModel::layoutChanged, this, [this] { rebuild(); });
    connect(flat_, &QAbstractItemModel::modelReset, this, [this] { rebuild(); });
    connect(flat_, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
    rebuild();
}

void RunGroupModel::rebuild() {
    // Who each persistent index (the view's selection, current row, expanded groups) points at,
    // by run id or sweep id, so that it follows its run through the rebuild.
    struct Identity {
        qint64 runId = 0;
        qint64 sweepId = 0;
        int column = 0;
    };
    // After layoutAboutToBeChanged: the selection model makes its own persistent indexes there.
    Q_EMIT layoutAboutToBeChanged();
    const QModelIndexList persistent = persistentIndexList();
    QVector<Identity> who;
    who.reserve(persistent.size());
    for (const QModelIndex& p : persistent) {
        Identity id;
        id.column = p.column();
        // Not p.data(): the flat list has already changed under our old row numbers.
        if (p.internalId() == kTopLevel && p.row() < groups_.size()) {
            const Group& g = groups_[p.row()];
            if (g.sweepId != 0) {
                id.sweepId = g.sweepId;
            } else {
                id.runId = g.runIds.value(0);
            }
        } else if (p.internalId() != kTopLevel) {
            const int g = static_cast<int>(p.internalId() - 1);
            if (g < groups_.size()) id.runId = groups_[g].runIds.value(p.row());
        }
        who.push_back(id);
    }
    groups_.clear();
    const int n = flat_->rowCount();
    groupOfFlat_ = QVector<int>(n, -1);
    childOfFlat_ = QVector<int>(n, -1);
    QHash<qint64, int> groupOfSweep;
    for (int r = 0; r < n; ++r) {
        const qint64 runId = flat_->index(r, 0).data(RunListModel::RunIdRole).toLongLong();
        const RunRow* row = runs_->rowFor(runId);
        const qint64 sweep = row ? row->sweepId : 0;
        if (sweep == 0) {
            groupOfFlat_[r] = static_cast<int>(groups_.size());
            groups_.push_back({0, {r}, {runId}});
            continue;
        }
        auto it = groupOfSweep.find(sweep);
        if (it == groupOfSweep.end()) {
            it = groupOfSweep.insert(sweep, static_cast<int>(groups_.size()));
            groups_.push_back({sweep, {}, {}});
        }
        Group& g = groups_[*it];
        groupOfFlat_[r] = *it;
        childOfFlat_[r] = static_cast<int>(g.members.size());
        g.members.push_back(r);
        g.runIds.push_back(runId);
    }
    QHash<qint64, int> flatOfRun;
    for (int r = 0; r < n; ++r) {
        flatOfRun.insert(flat_->index(r, 0).data(RunListModel::RunIdRole).toLongLong(), r);
    }
    QModelIndexList moved;
    moved.reserve(persistent.size());
    for (const Identity& id : who) {
        QModelIndex to;
        if (id.sweepId != 0) {
            const auto g = groupOfSweep.constFind(id.sweepId);
            if (g != groupOfSweep.constEnd()) to = createIndex(*g, id.column, kTopLevel);
        } else if (const auto f = flatOfRun.constFind(id.runId); f != flatOfRun.constEnd()) {
            const int g = groupOfFlat_[*f];
            to = childOfFlat_[*f] < 0 ? createIndex(g, id.column, kTopLevel)
                                      : createIndex(childOfFlat_[*f], id.column, quintptr(g + 1));
        }
        moved.push_back(to);
    }
    changePersistentIndexList(persistent, moved);
    Q_EMIT layoutChanged();
}

void RunGroupModel::onFlatDataChanged(const QModelIndex& from, const QModelIndex& to) {
    for (int r = from.row(); r <= to.row() && r < groupOfFlat_.size(); ++r) {
        const int g = groupOfFlat_[r];
        if (childOfFlat_[r] < 0) {
            Q_EMIT dataChanged(createIndex(g, from.column(), kTopLevel),
                               createIndex(g, to.column(), kTopLevel));
        } else {
            Q_EMIT dataChanged(createIndex(childOfFlat_[r], from.column(), quintptr(g + 1)),
                               createIndex(childOfFlat_[r], to.column(), quintptr(g + 1)));
            // The group row's counts follow its members.
            Q_EMIT dataChanged(createIndex(g, 0, kTopLevel),
                               createIndex(g, RunListModel::ColumnCount - 1, kTopLevel));
        }
    }
}

QModelIndex RunGroupModel::index(int row, int column, const QModelIndex& parent) const {
    if (column < 0 || column >= RunListModel::ColumnCount || row < 0) return {};
    if (!parent.isValid()) {
        return row < groups_.size() ? createIndex(row, column, kTopLevel) : QModelIndex();
    }
    if (parent.internalId() != kTopLevel || parent.row() >= groups_.size()) return {};
    const Group& g = groups_[parent.row()];
    if (g.sweepId == 0 || row >= g.members.size()) return {};
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex RunGroupModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == kTopLevel) return {};
    return createIndex(static_cast<int>(child.internalId() - 1), 0, kTopLevel);
}

int RunGroupModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return static_cast<int>(groups_.size());
    if (parent.internalId() != kTopLevel || parent.column() != 0 || parent.row() >= groups_.size()) {
        return 0;
    }
    const Group& g = groups_[parent.row()];
    return g.sweepId == 0 ? 0 : static_cast<int>(g.members.size());
}

int RunGroupModel::columnCount(const QModelIndex&) const { return RunListModel::ColumnCount; }

bool RunGroupModel::isGroup(const QModelIndex& index) const {
    return index.isValid() && index.internalId() == kTopLevel && index.row() < groups_.size() &&
           groups_[index.row()].sweepId != 0;
}

QModelIndex RunGroupModel::toFlat(const QModelIndex& index) const {
    if (!index.isValid() || isGroup(index)) return {};
    if (index.internalId() == kTopLevel) {
        return index.row() < groups_.size() ? flat_->index(groups_[index.row()].members.front(), index.column())
                                            : QModelIndex();
    }
    const int g = static_cast<int>(index.internalId() - 1);
    if (g >= groups_.size() || index.row() >= groups_[g].members.size()) return {};
    return flat_->index(groups_[g].members[index.row()], index.column());
}

QString RunGroupModel::groupText(const Group& g, int column) const {
    const RunRow* first = runs_->rowFor(
        flat_->index(g.members.front(), 0).data(RunListModel::RunIdRole).toLongLong());
    if (column == RunListModel::Name) {
        const QString keys = first ? first->sweepKeys.join(QStringLiteral(" × ")) : QString();
        const int n = static_cast<int>(g.members.size());
        const QString name =
            first && !first->sweepName.isEmpty() ? first->sweepName : tr("sweep %1").arg(g.sweepId);
        const QString varied = keys.isEmpty() ? QString() : QStringLiteral(": ") + keys;
        return n == 1 ? tr("%1  (1 run%2)").arg(name, varied)
                      : tr("%1  (%2 runs%3)").arg(name).arg(n).arg(varied);
    }
    if (column == RunListModel::Id) return tr("sweep %1").arg(g.sweepId);
    if (column == RunListModel::Status) {
        // "3 finished · 1 running · 2 queued", in the order of the first appearance.
        QStringList order;
        QHash<QString, int> counts;
        for (const int r : g.members) {
            const RunRow* row = runs_->rowFor(flat_->index(r, 0).data(RunListModel::RunIdRole).toLongLong());
            const QString s = row ? row->status : QString();
            if (!counts.contains(s)) order << s;
            ++counts[s];
        }
        QStringList parts;
        for (const QString& s : order) parts << QStringLiteral("%1 %2").arg(counts[s]).arg(s);
        return parts.join(QStringLiteral(" · "));
    }
    // Method, dataset, reward, λ, seed: the members' common value, or "…" where they differ.
    if (column == RunListModel::Method || column == RunListModel::Dataset ||
        column == RunListModel::Reward || column == RunListModel::Lambda || column == RunListModel::Seed) {
        QString common;
        for (int i = 0; i < g.members.size(); ++i) {
            const QString v = flat_->index(g.members[i], column).data(Qt::DisplayRole).toString();
            if (i == 0) {
                common = v;
            } else if (v != common) {
                return QStringLiteral("…");
            }
        }
        return common;
    }
    return {};
}

QVariant RunGroupModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    if (!isGroup(index)) {
        const QModelIndex f = toFlat(index);
        if (role == SweepIdRole) {
            const RunRow* row = runs_->rowFor(f.data(RunListModel::RunIdRole).toLongLong());
            return row ? row->sweepId : 0;
        }
        return f.data(role);
    }
    const Group& g = groups_[index.row()];
    switch (role) {
        case Qt::DisplayRole: return groupText(g, index.column());
        case RunListModel::RunIdRole: return qint64(0);
        case SweepIdRole: return g.sweepId;
        case Qt::FontRole: {
            QFont font;
            font.setBold(true);
            return font;
        }
        case Qt::ToolTipRole:
            if (index.column() == RunListModel::Name) {
                return tr("Sweep %1: its runs vary %2. Right-click ▸ Compare group to aggregate "
                          "its seeds.")
                    .arg(g.sweepId)
                    .arg(groupByKeys(g.sweepId).isEmpty() ? tr("the seed")
                                                          : groupByKeys(g.sweepId).join(QStringLiteral(", ")));
            }
            return {};
        default: return {};
    }
}

QVariant RunGroupModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return flat_->headerData(section, orientation, role);
}

Qt::ItemFlags RunGroupModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    if (isGroup(index)) return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    return flat_->flags(toFlat(index));
}

bool RunGroupModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    return !isGroup(index) && flat_->setData(toFlat(index), value, role);
}

void RunGroupModel::sort(int column, Qt::SortOrder order) { flat_->sort(column, order); }

QList<qint64> RunGroupModel::sweepRuns(qint64 sweepId) const {
    QMap<qint64, bool> ids;  // id order = expansion order (queued in one transaction)
    for (int r = 0; r < runs_->rowCount(); ++r) {
        if (runs_->rowAt(r).sweepId == sweepId) ids.insert(runs_->rowAt(r).id, true);
    }
    return ids.keys();
}

QStringList RunGroupModel::groupByKeys(qint64 sweepId) const {
    for (int r = 0; r < runs_->rowCount(); ++r) {
        const RunRow& row = runs_->rowAt(r);
        if (row.sweepId == sweepId) {
            QStringList keys = row.sweepKeys;
            keys.removeAll(QStringLiteral("seed"));
            return keys;
        }
    }
    return {};
}

}  // namespace flower::widgets
