// RunListView: the run list as the user sees it — a filter box over a sortable, multi-select
// table of RunListModel (through RunFilterProxy), tags and notes edited in place, and a context
// menu (open, compare selected, resume, cancel, duplicate as a new experiment, delete, reveal
// folder). The view
// only turns gestures into requests for the selected runs; MainWindow carries them out.
#pragma once

#include <QList>
#include <QWidget>

class QLineEdit;
class QTableView;

namespace flower::widgets {

class RunFilterProxy;
class RunListModel;

class RunListView : public QWidget {
    Q_OBJECT
public:
    explicit RunListView(RunListModel* model, QWidget* parent = nullptr);

    QList<qint64> selectedRuns() const;
    QTableView* table() const { return table_; }
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

private:
    void showMenu(const QPoint& at);

    RunListModel* model_;
    RunFilterProxy* proxy_;
    QLineEdit* filter_;
    QTableView* table_;
};

}  // namespace flower::widgets
