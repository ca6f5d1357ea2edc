#include "widgets/run_list_model.h"

#include "core/store/run_store.h"
#include "widgets/run_list_poller.h"

#include <QDateTime>
#include <QMetaObject>

#include <cmath>

namespace flower::widgets {

namespace {

QString duration(double seconds) {
    const auto s = static_cast<qint64>(std::max(0.0, seconds));
    if (s < 3600) {
        return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    }
    return QStringLiteral("%1:%2:%3")
        .arg(s / 3600)
        .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
        .arg(s % 60, 2, 10, QLatin1Char('0'));
}

QString figure(const std::optional<double>& v) {
    return v ? QString::number(*v, 'g', 4) : QString();
}

QVariant sortFigure(const std::optional<double>& v) {
    // Runs without the figure sort last in ascending order.
    return v ? QVariant(*v) : QVariant(INFINITY);
}

double now() { return QDateTime::currentMSecsSinceEpoch() / 1000.0; }

double elapsed(const RunRow& r) {
    if (!r.startedAt) {
        return 0;
    }
    return (r.finishedAt ? *r.finishedAt : now()) - *r.startedAt;
}

QStringList splitTags(const QString& text) {
    QStringList tags;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString tag = part.trimmed();
        if (!tag.isEmpty() && !tags.contains(tag)) {
            tags << tag;
        }
    }
    tags.sort();
    return tags;
}

}  // namespace

RunListModel::RunListModel(QObject* parent, int intervalMs) : QAbstractTableModel(parent) {
    qRegisterMetaType<RunRows>();
    poller_ = new RunListPoller(intervalMs);
    poller_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, poller_, &QObject::deleteLater);
    connect(poller_, &RunListPoller::rowsRead, this, &RunListModel::merge);
    connect(poller_, &RunListPoller::failed, this, &RunListModel::storeFailed);
    thread_.setObjectName(QStringLiteral("run-list poller"));
    thread_.start();
}

RunListModel::~RunListModel() {
    QMetaObject::invokeMethod(poller_, &RunListPoller::stop, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

void RunListModel::setStore(const QString& storeFile) {
    store_ = storeFile;
    live_.clear();
    QMetaObject::invokeMethod(poller_, [p = poller_, storeFile] { p->setStore(storeFile); },
                              Qt::QueuedConnection);
}

void RunListModel::refresh() {
    QMetaObject::invokeMethod(poller_, &RunListPoller::refresh, Qt::QueuedConnection);
}

int RunListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunListModel::statusText(const RunRow& r) const {
    if (r.status != QLatin1String("running")) {
        return r.status;
    }
    const auto it = live_.constFind(r.id);
    qint64 step = r.lastStep;
    qint64 total = r.maxSteps;
    double eta = 0;
    if (it != live_.constEnd()) {
        step = it->step;
        total = it->total;
        eta = it->eta;
    } else if (total > 0 && step > 0) {
        eta = elapsed(r) / static_cast<double>(step) * static_cast<double>(total - step);
    }
    if (total <= 0) {
        return QStringLiteral("running · step %1").arg(step);
    }
    const int percent = static_cast<int>(100.0 * static_cast<double>(step) / total);
    return QStringLiteral("running %1% · ETA %2").arg(percent).arg(duration(eta));
}

QVariant RunListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rows_.size()) {
        return {};
    }
    const RunRow& r = rows_.at(index.row());
    if (role == RunIdRole) {
        return r.id;
    }
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (index.column()) {
            case Id: return r.id;
            case Name: return r.name;
            case Method: return r.method;
            case Dataset: return r.dataset;
            // Reward and λ weigh the SubTB term: only Flower runs have one.
            case Reward:
                return r.method == QLatin1String("flower") ? r.rewardVariant : QStringLiteral("—");
            case Lambda:
                if (r.method != QLatin1String("flower")) return QStringLiteral("—");
                return std::isinf(r.lambda) ? QStringLiteral("∞") : QString::number(r.lambda, 'g', 6);
            case Seed: return r.seed;
            case Status: return statusText(r);
            case Started:
                return r.startedAt ? QDateTime::fromMSecsSinceEpoch(
                                         static_cast<qint64>(*r.startedAt * 1000))
                                         .toString(QStringLiteral("MM-dd HH:mm"))
                                   : QString();
            case Duration: return r.startedAt ? duration(elapsed(r)) : QString();
            case LastLoss: return figure(r.lastLoss);
            case BestMetric: return figure(r.bestMetric);
            case TitleJs: return figure(r.titleJs);
            case Tags: return r.tags.join(QStringLiteral(", "));
            case Notes: return r.notes;
            default: return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
            case Id: return r.id;
            case Lambda: return r.lambda;
            case Seed: return r.seed;
            case Started: return r.startedAt.value_or(0.0);
            case Duration: return elapsed(r);
            case LastLoss: return sortFigure(r.lastLoss);
            case BestMetric: return sortFigure(r.bestMetric);
            case TitleJs: return sortFigure(r.titleJs);
            case Status: return r.status;
            default: return data(index, Qt::DisplayRole).toString().toLower();
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == Status && !r.error.isEmpty()) {
            return r.error;
        }
        if (index.column() == Status && r.status == QLatin1String("running")) {
            const auto it = live_.constFind(r.id);
            const qint64 step = it != live_.constEnd() ? it->step : r.lastStep;
            const qint64 total = it != live_.constEnd() ? it->total : r.maxSteps;
            return total > 0 ? tr("step %1 of %2").arg(step).arg(total) : tr("step %1").arg(step);
        }
        if (index.column() == BestMetric) {
            return tr("best %1 (%2)").arg(r.metricKey, r.metricHigherIsBetter ? "max" : "min");
        }
        if (index.column() == Name) {
            return tr("run %1 on %2").arg(r.id).arg(r.device);
        }
        if (index.column() == Lambda && std::isinf(r.lambda)) {
            return tr("λ = ∞: SubTB alone (θ = 0)");
        }
        if (index.column() == Started && r.startedAt) {
            return QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(*r.startedAt * 1000))
                .toString(Qt::ISODate);
        }
    }
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
            case Id: case Lambda: case Seed: case Duration: case LastLoss: case BestMetric:
            case TitleJs:
                return int(Qt::AlignRight | Qt::AlignVCenter);
            default: return {};
        }
    }
    return {};
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (section) {
            case Id: return tr("#");
            case Name: return tr("Name");
            case Method: return tr("Method");
            case Dataset: return tr("Dataset");
            case Reward: return tr("Reward");
            case Lambda: return tr("λ");
            case Seed: return tr("Seed");
            case Status: return tr("Status");
            case Started: return tr("Started");
            case Duration: return tr("Duration");
            case LastLoss: return tr("Last loss");
            case BestMetric: return tr("Best valid");
            case TitleJs: return tr("Title JS");
            case Tags: return tr("Tags");
            case Notes: return tr("Notes");
            default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case Lambda: return tr("Weight of SubTB: L = L_SFT + λ·L_SubTB (θ = 1/(1+λ))");
            case LastLoss: return tr("loss/total at the last step");
            case BestMetric: return tr("Best value of the early-stopping metric");
            case TitleJs: return tr("Jensen–Shannon divergence of generated vs target titles "
                                    "at the last evaluation");
            case Tags: return tr("Comma-separated; double-click to edit");
            case Notes: return tr("Double-click to edit");
            default: return {};
        }
    }
    return {};
}

Qt::ItemFlags RunListModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == Tags || index.column() == Notes) {
        f |= Qt::ItemIsEditable;
    }
    return f;
}

bool RunListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || !index.isValid() ||
        (index.column() != Tags && index.column() != Notes)) {
        return false;
    }
    RunRow& r = rows_[index.row()];
    try {
        store::RunStore writable(store_.toStdString(), {.create = false});
        if (index.column() == Notes) {
            writable.setNotes(r.id, value.toString().toStdString());
            r.notes = value.toString();
        } else {
            const QStringList tags = splitTags(value.toString());
            for (const QString& old : r.tags) {
                if (!tags.contains(old)) {
                    writable.removeTag(r.id, old.toStdString());
                }
            }
            for (const QString& tag : tags) {
                if (!r.tags.contains(tag)) {
                    writable.addTag(r.id, tag.toStdString());
                }
            }
            r.tags = tags;
        }
    } catch (const std::exception& e) {
        Q_EMIT editFailed(QString::fromUtf8(e.what()));
        return false;
    }
    Q_EMIT dataChanged(index, index);
    refresh();
    return true;
}

const RunRow* RunListModel::rowFor(qint64 runId) const {
    for (const auto& r : rows_) {
        if (r.id == runId) {
            return &r;
        }
    }
    return nullptr;
}

int RunListModel::running() const {
    return static_cast<int>(std::count_if(rows_.begin(), rows_.end(), [](const RunRow& r) {
        return r.status == QLatin1String("running");
    }));
}

int RunListModel::queued() const {
    return static_cast<int>(std::count_if(rows_.begin(), rows_.end(), [](const RunRow& r) {
        return r.status == QLatin1String("queued");
    }));
}

void RunListModel::setLiveProgress(qint64 runId, qint64 step, qint64 totalSteps,
                                   double etaSeconds) {
    live_.insert(runId, {step, totalSteps, etaSeconds});
    for (int i = 0; i < rows_.size(); ++i) {
        if (rows_[i].id == runId) {
            Q_EMIT dataChanged(index(i, Status), index(i, Duration));
        }
    }
}

void RunListModel::clearLiveProgress(qint64 runId) { live_.remove(runId); }

void RunListModel::merge(const RunRows& rows) {
    // Both lists are ordered by id: walk them together.
    int i = 0;
    int j = 0;
    while (i < rows_.size() || j < rows.size()) {
        if (j >= rows.size() || (i < rows_.size() && rows_[i].id < rows[j].id)) {
            beginRemoveRows({}, i, i);
            rows_.removeAt(i);
            endRemoveRows();
        } else if (i >= rows_.size() || rows[j].id < rows_[i].id) {
            beginInsertRows({}, i, i);
            rows_.insert(i, rows[j]);
            endInsertRows();
            ++i;
            ++j;
        } else {
            if (!(rows_[i] == rows[j])) {
                rows_[i] = rows[j];
                Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
            } else if (rows_[i].status == QLatin1String("running")) {
                // Duration and ETA move with the clock.
                Q_EMIT dataChanged(index(i, Status), index(i, Duration));
            }
            ++i;
            ++j;
        }
    }
    Q_EMIT countsChanged(running(), queued());
    Q_EMIT rowsUpdated();
}

}  // namespace flower::widgets
