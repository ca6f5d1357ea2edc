#include "widgets/run_list_poller.h"

#include "core/store/run_store.h"

#include <QTimer>

#include <nlohmann/json.hpp>

#include <cmath>

namespace flower::widgets {

namespace {

// The fields of the stored config the list shows; tolerant of configs of older builds.
void readConfig(const std::string& configJson, RunRow& row) {
    const auto j = nlohmann::json::parse(configJson, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
        return;
    }
    if (const auto r = j.find("reward"); r != j.end() && r->is_object()) {
        row.rewardVariant = QString::fromStdString(r->value("variant", ""));
    }
    if (const auto l = j.find("lambda"); l != j.end()) {
        row.lambda = l->is_number() ? l->get<double>() : INFINITY;  // "inf"
    }
    if (const auto e = j.find("early_stopping"); e != j.end() && e->is_object()) {
        row.metricKey = QString::fromStdString(e->value("metric", "valid/loss"));
        row.metricHigherIsBetter = e->value("mode", "min") == "max";
    }
    row.maxSteps = j.value("max_steps", 0);
}

bool canChange(const QString& status) {
    return status == QLatin1String("queued") || status == QLatin1String("running");
}

}  // namespace

RunListPoller::RunListPoller(int intervalMs) : intervalMs_(intervalMs) {}

RunListPoller::~RunListPoller() = default;

void RunListPoller::setStore(const QString& storeFile) {
    if (!timer_) {
        timer_ = new QTimer(this);  // created here: on the poller's thread
        connect(timer_, &QTimer::timeout, this, &RunListPoller::refresh);
    }
    storeFile_ = storeFile;
    store_.reset();
    cache_.clear();
    last_.clear();
    lastError_.clear();
    if (storeFile_.isEmpty()) {
        timer_->stop();
        Q_EMIT rowsRead({});
        return;
    }
    timer_->start(intervalMs_);
    refresh();
}

void RunListPoller::stop() {
    if (timer_) {
        timer_->stop();
    }
    store_.reset();
}

void RunListPoller::refresh() {
    if (storeFile_.isEmpty()) {
        return;
    }
    RunRows rows;
    try {
        if (!store_) {
            store::StoreOptions options;
            options.readOnly = true;
            options.create = false;
            options.busyTimeoutMs = 200;  // a poll may skip a beat; it must not hang
            store_ = std::make_unique<store::RunStore>(storeFile_.toStdString(), options);
        }
        const auto runs = store_->listRuns();
        // A handful of rows: read every poll, so a sweep queued by another process shows.
        QHash<qint64, std::pair<QString, QStringList>> sweeps;
        for (const auto& sweep : store_->listSweeps()) {
            QStringList keys;
            for (const auto& k : sweep.variedKeys) keys << QString::fromStdString(k);
            sweeps.insert(sweep.id, {QString::fromStdString(sweep.name), keys});
        }
        rows.reserve(static_cast<int>(runs.size()));
        for (const auto& info : runs) {
            RunRow row;
            row.id = info.id;
            row.name = QString::fromStdString(info.name);
            row.method = QString::fromStdString(info.method);
            row.dataset = QString::fromStdString(info.dataset);
            row.seed = info.seed;
            row.status = QString::fromStdString(std::string(store::toString(info.status)));
            row.error = QString::fromStdString(info.error.value_or(""));
            row.device = QString::fromStdString(info.device);
            row.createdAt = info.createdAt;
            row.startedAt = info.startedAt;
            row.finishedAt = info.finishedAt;
            row.notes = QString::fromStdString(info.notes);
            if (info.sweepId) {
                row.sweepId = *info.sweepId;
                const auto sweep = sweeps.constFind(row.sweepId);
                if (sweep != sweeps.constEnd()) {
                    row.sweepName = sweep->first;
                    row.sweepKeys = sweep->second;
                }
            }
            for (const auto& tag : store_->tags(info.id)) {
                row.tags << QString::fromStdString(tag);
            }
            const auto cached = cache_.constFind(info.id);
            // Figures change only while a run is queued or running (a resume makes it running).
            if (cached != cache_.constEnd() && !canChange(cached->status) &&
                cached->status == row.status) {
                row.rewardVariant = cached->rewardVariant;
                row.lambda = cached->lambda;
                row.metricKey = cached->metricKey;
                row.metricHigherIsBetter = cached->metricHigherIsBetter;
                row.maxSteps = cached->maxSteps;
                row.lastStep = cached->lastStep;
                row.lastLoss = cached->lastLoss;
                row.bestMetric = cached->bestMetric;
                row.titleJs = cached->titleJs;
            } else {
                readConfig(info.configJson, row);
                if (row.metricKey.isEmpty()) {
                    row.metricKey = QStringLiteral("valid/loss");
                }
                const auto f = store_->figures(info.id, row.metricKey.toStdString(),
                                               row.metricHigherIsBetter);
                row.lastStep = f.lastStep;
                row.lastLoss = f.lastLoss;
                row.bestMetric = f.bestMetric;
                row.titleJs = f.titleJs;
            }
            cache_.insert(row.id, row);
            rows.push_back(std::move(row));
        }
        if (cache_.size() != rows.size()) {  // runs were deleted
            cache_.clear();
            for (const auto& row : rows) {
                cache_.insert(row.id, row);
            }
        }
    } catch (const std::exception& e) {
        store_.reset();
        const QString message = QString::fromUtf8(e.what());
        if (message != lastError_) {
            lastError_ = message;
            Q_EMIT failed(message);
        }
        return;
    }
    lastError_.clear();
    if (rows != last_) {
        last_ = rows;
        Q_EMIT rowsRead(rows);
    }
}

}  // namespace flower::widgets
