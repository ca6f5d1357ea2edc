// RunListPoller: reads the run list from the store on its own thread through its own read-only
// connection, so the GUI thread never waits on a query. Every `intervalMs` (and on refresh())
// it reads the runs table and the tags, and the key figures of the runs that can still change
// (queued, running) or were not read yet; figures of finished runs are read once. Emits the
// whole list (a few hundred small rows) when anything changed.
// Threads: create it, moveToThread() a QThread, then call its slots through queued
// connections (RunListModel does this).
// Failure: an unreadable store emits failed(message) once per distinct message; polling goes
// on (a store being migrated by another process becomes readable again).
#pragma once

#include "widgets/run_row.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <memory>

class QTimer;

namespace flower::store {
class RunStore;
}  // namespace flower::store

namespace flower::widgets {

class RunListPoller : public QObject {
    Q_OBJECT
public:
    explicit RunListPoller(int intervalMs = 500);
    ~RunListPoller() override;

public Q_SLOTS:
    void setStore(const QString& storeFile);  // "" closes
    void refresh();
    void stop();

Q_SIGNALS:
    void rowsRead(const flower::widgets::RunRows& rows);
    void failed(const QString& message);

private:
    int intervalMs_;
    QTimer* timer_ = nullptr;
    QString storeFile_;
    std::unique_ptr<store::RunStore> store_;
    QHash<qint64, RunRow> cache_;  // figures of runs already read
    RunRows last_;
    QString lastError_;
};

}  // namespace flower::widgets
