// RunListModel: the runs of one store as a table — id, name, method, dataset, reward variant,
// λ, seed, status (running: progress and ETA), started, duration, last loss, best value of the
// monitored metric, title JS, tags, notes. The rows come from a RunListPoller on a thread of its
// own (read-only connection, polled every intervalMs): the GUI thread only merges the result,
// one dataChanged / insert / remove per changed run. Runs trained in this window also get their
// exact progress and ETA pushed by setLiveProgress (from RunQueue::stepDone).
// Roles: DisplayRole text, SortRole (Qt::UserRole) a number or text to sort by, EditRole for
// tags ("a, b") and notes, ToolTipRole (the error of a failed run, the device).
// Editing: tags and notes are written to the store through a read-write connection of the GUI
// thread (one short statement each: the only writes of the list).
// Failure: an unreadable store → storeFailed(message); a failed edit → editFailed(message).
#pragma once

#include "widgets/run_row.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QThread>

namespace flower::widgets {

class RunListPoller;

class RunListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Id, Name, Method, Dataset, Reward, Lambda, Seed, Status, Started, Duration,
        LastLoss, BestMetric, TitleJs, Tags, Notes, ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int RunIdRole = Qt::UserRole + 1;

    explicit RunListModel(QObject* parent = nullptr, int intervalMs = 500);
    ~RunListModel() override;

    void setStore(const QString& storeFile);  // "" = none
    QString store() const { return store_; }
    void refresh();  // poll now (after the window changed the store itself)

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;

    const RunRow* rowFor(qint64 runId) const;
    const RunRow& rowAt(int row) const { return rows_.at(row); }
    int running() const;
    int queued() const;

public Q_SLOTS:
    void setLiveProgress(qint64 runId, qint64 step, qint64 totalSteps, double etaSeconds);
    void clearLiveProgress(qint64 runId);

Q_SIGNALS:
    void countsChanged(int running, int queued);
    void storeFailed(const QString& message);
    void editFailed(const QString& message);
    // Emitted after each merge of the poller's rows (tests wait on it).
    void rowsUpdated();

private:
    struct Live {
        qint64 step = 0;
        qint64 total = 0;
        double eta = 0;
    };
    void merge(const RunRows& rows);
    QString statusText(const RunRow& r) const;

    QString store_;
    RunRows rows_;  // ordered by id
    QHash<qint64, Live> live_;
    QThread thread_;
    RunListPoller* poller_ = nullptr;  // lives in thread_
};

}  // namespace flower::widgets
