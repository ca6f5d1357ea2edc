// RunGroupModel: the run list as a two-level tree — a run outside any sweep is a top-level row,
// a sweep is a top-level group row ("demo-lambda-seeds · sweep 3 · 6 runs") whose children are
// its runs. It sits on the filtered, sorted flat list (RunFilterProxy over RunListModel), so
// filtering and sorting stay where they were: a group shows the members that pass the filter,
// in the sort order, and takes the place of its first member.
// Updates: a change of cells in the flat list is one dataChanged here (a running run's progress
// every poll costs no relayout); inserted/removed/moved rows rebuild the tree in one
// layoutChanged, which keeps the view's expansion and selection (persistent indexes). With 100
// runs a rebuild is a few hundred hash lookups.
// Roles: those of RunListModel for run rows; a group row has RunIdRole 0, SweepIdRole its id.
#pragma once

#include <QAbstractItemModel>
#include <QList>
#include <QStringList>
#include <QVector>

namespace flower::widgets {

class RunListModel;

class RunGroupModel : public QAbstractItemModel {
    Q_OBJECT
public:
    static constexpr int SweepIdRole = Qt::UserRole + 2;

    // `flat` is the filtered, sorted list; `runs` the model under it (sweep names and keys).
    RunGroupModel(QAbstractItemModel* flat, const RunListModel* runs, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;
    void sort(int column, Qt::SortOrder order) override;

    // The flat list's index of a run row (invalid for a group row).
    QModelIndex toFlat(const QModelIndex& index) const;
    bool isGroup(const QModelIndex& index) const;
    // The runs of the sweep of a group row (or of a run row's sweep), in expansion order, and
    // the suggested group-by keys for comparing them (the varied keys without "seed").
    QList<qint64> sweepRuns(qint64 sweepId) const;
    QStringList groupByKeys(qint64 sweepId) const;

private:
    struct Group {
        qint64 sweepId = 0;      // 0: a single run (members has its one flat row)
        QVector<int> members;    // rows of the flat list
        QVector<qint64> runIds;  // their run ids at the last rebuild: the identity of a
                                 // persistent index while the flat list has already moved
    };
    void rebuild();
    void onFlatDataChanged(const QModelIndex& from, const QModelIndex& to);
    QString groupText(const Group& g, int column) const;

    QAbstractItemModel* flat_;
    const RunListModel* runs_;
    QVector<Group> groups_;
    QVector<int> groupOfFlat_;   // flat row → index in groups_
    QVector<int> childOfFlat_;   // flat row → row among the group's members (-1: top level)
};

}  // namespace flower::widgets
