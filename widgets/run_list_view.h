// RunListView: the run list as the user sees it — a filter box over a sortable, multi-select
// tree of RunListModel (through RunFilterProxy and RunGroupModel: a sweep is a collapsible group
// row), tags and notes edited in place, and a context menu (open, compare selected, resume, cancel, duplicate as a
// new experiment, delete, reveal folder; on a sweep "Compare group (aggregate seeds)"). The view
// only turns gestures into requests for the selected runs; MainWindow carries them out. A
// selected group row stands for its (visible) runs.
#pragma once

#include <QList>
#include <QSet>
#include <QStringList>
#include <QWidget>

class QLineEdit;
class QTreeView;

namespace flower::widgets {

class RunFilterProxy;
class RunGroupModel;
class RunListModel;

class RunListView : public QWidget {
    Q_OBJECT
public:
    explicit RunListView(RunListModel* model, QWidget* parent = nullptr);

    QList<qint64> selectedRuns() const;
    QTreeView* table() const { return table_; }
    RunGroupModel* groups() const { return groups_; }
    QLineEdit* filterBox() const { return filter_; }
    RunFilterProxy* proxy() const { return proxy_; }

Q_SIGNALS:
    void openRequested(qint64 runId);  // double-click or "Open": the lead's monitor follows it
    void resumeRequested(const QList<qint64>& runIds);
    void cancelRequested(const QList<qint64>& runIds);
    void duplicateRequested(qint64 runId);
    void deleteRequested(const QList<qint64>& runIds);
    void revealRequested(qint64 runId);
    void compareRequested(const QList<qint64>& runIds);  // "Compare selected" (issue 18)
    // "Compare group (aggregate seeds)" on a sweep: its runs (expansion order) and the suggested
    // group-by keys (the varied keys without seed) for the comparison view.
    void compareGroupRequested(qint64 sweepId, const QList<qint64>& runIds, const QStringList& groupBy);

private:
    void showMenu(const QPoint& at);
    void expandNewGroups();

    RunListModel* model_;
    RunFilterProxy* proxy_;
    RunGroupModel* groups_;
    QLineEdit* filter_;
    QTreeView* table_;
    QSet<qint64> seenSweeps_;  // groups shown once: a new sweep opens expanded, then stays as left
};

}  // namespace flower::widgets
