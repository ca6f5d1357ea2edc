// RunRow: one run as the run list shows it — the store's RunInfo reduced to what the columns
// need, plus the key figures (RunStore::figures). A plain value, copied from the poller's
// thread to the GUI thread.
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace flower::widgets {

struct RunRow {
    qint64 id = 0;
    QString name;
    QString method;
    QString dataset;
    QString rewardVariant;
    double lambda = 0;            // +inf: SubTB alone
    qint64 seed = 0;
    QString status;               // queued, running, finished, failed, cancelled, interrupted
    QString error;
    QString device;
    double createdAt = 0;         // Unix seconds
    std::optional<double> startedAt;
    std::optional<double> finishedAt;
    QStringList tags;
    QString notes;
    QString metricKey;            // the monitored metric (early_stopping.metric)
    bool metricHigherIsBetter = false;  // early_stopping.mode "max"
    qint64 maxSteps = 0;          // from the config; 0 = bounded by epochs only
    qint64 lastStep = 0;
    std::optional<double> lastLoss;
    std::optional<double> bestMetric;
    std::optional<double> titleJs;
    qint64 sweepId = 0;           // the sweep it belongs to; 0 = none
    QString sweepName;
    QStringList sweepKeys;        // the sweep's varied keys, in order ("lambda", "seed")

    bool operator==(const RunRow& o) const = default;
};

using RunRows = QVector<RunRow>;

}  // namespace flower::widgets

Q_DECLARE_METATYPE(flower::widgets::RunRows)
