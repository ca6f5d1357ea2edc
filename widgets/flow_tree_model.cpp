#include "widgets/flow_tree_model.h"

#include <QFont>

#include <cmath>

namespace flower::widgets {

using State = flow::FlowExplorer::State;

FlowTreeModel::FlowTreeModel(QObject* parent) : QAbstractItemModel(parent) {}

void FlowTreeModel::setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer) {
    beginResetModel();
    explorer_ = std::move(explorer);
    cache_.clear();
    endResetModel();
}

const FlowTreeModel::Entry& FlowTreeModel::entry(State state) const {
    const auto k = flow::FlowExplorer::key(state);
    if (auto it = cache_.find(k); it != cache_.end()) return it->second;
    Entry e;
    e.children = explorer_->children(state);
    e.rows.reserve(e.children.size());
    for (std::size_t i = 0; i < e.children.size(); ++i) {
        e.rows.emplace(flow::FlowExplorer::key(e.children[i].state), static_cast<int>(i));
    }
    return cache_.emplace(k, std::move(e)).first->second;
}

const std::vector<flow::FlowExplorer::Child>& FlowTreeModel::childrenOf(State state) const {
    return entry(state).children;
}

int FlowTreeModel::rowIn(State parent, State child) const {
    const Entry& e = entry(parent);
    const auto it = e.rows.find(flow::FlowExplorer::key(child));
    return it == e.rows.end() ? -1 : it->second;
}

State FlowTreeModel::stateOf(const QModelIndex& index) const {
    if (!index.isValid()) return {};
    return flow::FlowExplorer::fromKey(index.internalId());
}

QModelIndex FlowTreeModel::indexOf(State state) const {
    if (!explorer_ || (state.node == flow::TitleTrie::kRoot && !state.ended)) return {};
    const auto p = explorer_->parent(state);
    if (!p) return {};
    const int row = rowIn(*p, state);
    if (row < 0) return {};
    return createIndex(row, 0, static_cast<quintptr>(flow::FlowExplorer::key(state)));
}

QModelIndex FlowTreeModel::index(int row, int column, const QModelIndex& parent) const {
    if (!explorer_ || row < 0 || column < 0 || column >= ColumnCount) return {};
    const auto& cs = entry(stateOf(parent)).children;
    if (row >= static_cast<int>(cs.size())) return {};
    return createIndex(row, column, static_cast<quintptr>(flow::FlowExplorer::key(cs[static_cast<std::size_t>(row)].state)));
}

QModelIndex FlowTreeModel::parent(const QModelIndex& child) const {
    if (!explorer_ || !child.isValid()) return {};
    const auto p = explorer_->parent(stateOf(child));
    if (!p) return {};
    return indexOf(*p);
}

int FlowTreeModel::rowCount(const QModelIndex& parent) const {
    if (!explorer_ || parent.column() > 0) return 0;
    const State s = stateOf(parent);
    if (!explorer_->hasChildren(s)) return 0;
    return static_cast<int>(entry(s).children.size());
}

int FlowTreeModel::columnCount(const QModelIndex&) const { return ColumnCount; }

bool FlowTreeModel::hasChildren(const QModelIndex& parent) const {
    if (!explorer_ || parent.column() > 0) return false;
    return explorer_->hasChildren(stateOf(parent));
}

QString FlowTreeModel::formatFlow(double f) {
    if (f == std::floor(f) && std::abs(f) < 1e15) return QString::number(static_cast<qint64>(f));
    return QString::number(f, 'g', 6);
}

QString FlowTreeModel::formatProbability(double p) {
    if (p == 0.0) return QStringLiteral("0");
    if (p < 0.0001) return QString::number(p, 'e', 2);
    return QString::number(p, 'f', 4);
}

QString FlowTreeModel::formatLogReward(double r) {
    if (std::isinf(r)) return r < 0 ? QStringLiteral("−∞") : QStringLiteral("∞");
    return QString::number(r, 'f', 4);
}

QVariant FlowTreeModel::data(const QModelIndex& index, int role) const {
    if (!explorer_ || !index.isValid()) return {};
    const auto p = explorer_->parent(stateOf(index));
    if (!p) return {};
    const auto& cs = entry(*p).children;
    if (index.row() >= static_cast<int>(cs.size())) return {};
    const auto& c = cs[static_cast<std::size_t>(index.row())];
    if (role == StateRole) return QVariant::fromValue<quint64>(flow::FlowExplorer::key(c.state));
    if (role == ValueRole) {
        switch (index.column()) {
            case FlowColumn: return c.flow;
            case ProbabilityColumn: return c.probability;
            case LogRewardColumn: return c.logReward;
            default: return {};
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case TokenColumn: return c.terminates ? QString::fromUtf8(c.text.data(), static_cast<qsizetype>(c.text.size()))
                                                  : "“" + QString::fromStdString(c.text) + "”";
            case FlowColumn: return formatFlow(c.flow);
            case ProbabilityColumn: return formatProbability(c.probability);
            case LogRewardColumn: return formatLogReward(c.logReward);
            case TitlesColumn: return static_cast<qlonglong>(c.titles);
            default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != TokenColumn) {
        return QVariant::fromValue<int>(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole && index.column() == TokenColumn) {
        QStringList ids;
        for (const auto t : c.tokens) ids << QString::number(t);
        return QString::fromStdString(explorer_->node(c.state).text) + "\ntoken ids: " + ids.join(", ");
    }
    if (role == Qt::FontRole && c.terminates) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QVariant FlowTreeModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
            case TokenColumn: return tr("Token");
            case FlowColumn: return tr("F");
            case ProbabilityColumn: return tr("p");
            case LogRewardColumn: return tr("log r");
            case TitlesColumn: return tr("titles");
            default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case TokenColumn: return tr("The next token (or chunk of n tokens) as decoded text; ⊤ ends the title");
            case FlowColumn: return tr("State flow F: the sum of the rewards of the titles below");
            case ProbabilityColumn: return tr("Target probability of this child: F(child) / F(parent)");
            case LogRewardColumn: return tr("Log process reward: log F(child) − log F(parent)");
            case TitlesColumn: return tr("Number of titles below this state");
            default: return {};
        }
    }
    return {};
}

}  // namespace flower::widgets
