#include "widgets/stall_probe.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace flower::widgets {

QJsonObject StallReport::toJson() const {
    QJsonObject o;
    o["samples"] = samples;
    o["p50_ms"] = p50Ms;
    o["p99_ms"] = p99Ms;
    o["max_ms"] = maxMs;
    o["interval_ms"] = intervalMs;
    return o;
}

StallProbe::StallProbe(int intervalMs, QObject* parent)
    : QObject(parent), intervalMs_(std::max(1, intervalMs)) {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(intervalMs_);
    connect(&timer_, &QTimer::timeout, this, &StallProbe::tick);
}

void StallProbe::start() {
    clock_.start();
    lastNs_ = -1;
    timer_.start();
}

void StallProbe::stop() {
    timer_.stop();
    lastNs_ = -1;
}

bool StallProbe::isRunning() const { return timer_.isActive(); }

void StallProbe::reset() {
    stallsMs_.clear();
    lastNs_ = -1;
}

void StallProbe::tick() {
    const qint64 now = clock_.nsecsElapsed();
    if (lastNs_ >= 0) {
        const double gapMs = static_cast<double>(now - lastNs_) / 1e6;
        stallsMs_.push_back(std::max(0.0, gapMs - intervalMs_));
    }
    lastNs_ = now;
}

double StallProbe::percentile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) {
        return 0.0;
    }
    // Nearest rank: the smallest value with at least q·n values at or below it.
    const auto n = static_cast<double>(sorted.size());
    const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(std::clamp(q, 0.0, 1.0) * n)));
    return sorted[std::min(sorted.size(), rank) - 1];
}

StallReport StallProbe::report() const {
    std::vector<double> sorted = stallsMs_;
    std::sort(sorted.begin(), sorted.end());
    StallReport r;
    r.samples = static_cast<qint64>(sorted.size());
    r.p50Ms = percentile(sorted, 0.50);
    r.p99Ms = percentile(sorted, 0.99);
    r.maxMs = sorted.empty() ? 0.0 : sorted.back();
    r.intervalMs = intervalMs_;
    return r;
}

bool StallProbe::writeReport(const QString& file, QString* error) const {
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        if (error) *error = file + ": cannot write the stall report (" + out.errorString() + ")";
        return false;
    }
    out.write(QJsonDocument(report().toJson()).toJson(QJsonDocument::Indented));
    if (!out.commit()) {
        if (error) *error = file + ": cannot write the stall report (" + out.errorString() + ")";
        return false;
    }
    return true;
}

StallProbe* StallProbe::reportAtExit(const QString& file, int intervalMs) {
    auto* probe = new StallProbe(intervalMs, QCoreApplication::instance());
    QObject::connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, probe, [probe, file] {
        probe->stop();
        QString error;
        if (!probe->writeReport(file, &error)) {
            std::fprintf(stderr, "flower-workbench: %s\n", qPrintable(error));
        }
    });
    probe->start();
    return probe;
}

}  // namespace flower::widgets
