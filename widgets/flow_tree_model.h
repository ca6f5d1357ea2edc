// FlowTreeModel: an experiment's prefix tree (flow::FlowExplorer) as a Qt item model with lazy
// children: a node's children are computed (and decoded) the first time a view asks for them,
// then kept, so expanding the root of a 5,000-title trie costs one pass over its children and
// nothing more. Columns: the token (chunk) text, F, the target probability F(child)/F(parent),
// the log process reward, the number of titles below. Rows are in the explorer's order (largest
// flow first). Each index carries its state (FlowExplorer::key) as internal id and StateRole.
// Ownership: shares the explorer. Read-only. GUI thread only.
#pragma once

#include "core/flow/flow_explorer.h"

#include <QAbstractItemModel>

#include <memory>
#include <unordered_map>
#include <vector>

namespace flower::widgets {

class FlowTreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { TokenColumn, FlowColumn, ProbabilityColumn, LogRewardColumn, TitlesColumn, ColumnCount };
    // FlowExplorer::key of the row's state (quint64).
    static constexpr int StateRole = Qt::UserRole + 1;
    // The raw double of the flow / probability / log reward columns.
    static constexpr int ValueRole = Qt::UserRole + 2;

    explicit FlowTreeModel(QObject* parent = nullptr);

    void setExplorer(std::shared_ptr<const flow::FlowExplorer> explorer);
    const flow::FlowExplorer* explorer() const { return explorer_.get(); }

    // The index of a state (column 0), fetching the children on its path; invalid for the root.
    QModelIndex indexOf(flow::FlowExplorer::State state) const;
    flow::FlowExplorer::State stateOf(const QModelIndex& index) const;
    // The children of a state as the model shows them (cached).
    const std::vector<flow::FlowExplorer::Child>& childrenOf(flow::FlowExplorer::State state) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Number formats shared with the graph and the details pane.
    static QString formatFlow(double f);
    static QString formatProbability(double p);
    static QString formatLogReward(double r);

private:
    struct Entry {
        std::vector<flow::FlowExplorer::Child> children;
        std::unordered_map<std::uint64_t, int> rows;  // state key → row
    };
    const Entry& entry(flow::FlowExplorer::State state) const;
    int rowIn(flow::FlowExplorer::State parent, flow::FlowExplorer::State child) const;

    std::shared_ptr<const flow::FlowExplorer> explorer_;
    mutable std::unordered_map<std::uint64_t, Entry> cache_;
};

}  // namespace flower::widgets
