#include "widgets/comparison_worker.h"

#include "core/compare/run_grouping.h"
#include "core/store/run_store.h"
#include "core/store/table_builder.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace flower::widgets {

namespace {

// Plot order: the total loss, its terms, validation metrics, test metrics, then the rest
// (learning rate, gradient norm, throughput).
int seriesRank(const std::string& key) {
    if (key == "loss/total") return 0;
    if (key.rfind("loss/", 0) == 0) return 1;
    if (key.rfind("valid/", 0) == 0) return 2;
    if (key.rfind("test/", 0) == 0) return 3;
    return 4;
}

}  // namespace

ComparisonWorker::ComparisonWorker(QObject* receiver, Callbacks callbacks)
    : receiver_(receiver), callbacks_(std::move(callbacks)),
      runs_(std::make_shared<std::vector<ComparedRun>>()) {
    thread_.setObjectName(QStringLiteral("comparison"));
    context_ = new QObject;
    context_->moveToThread(&thread_);
    QObject::connect(&thread_, &QThread::finished, context_, &QObject::deleteLater);
    thread_.start();
}

ComparisonWorker::~ComparisonWorker() {
    generation_ = -1;  // queued work returns at once
    loadGeneration_ = -1;
    thread_.quit();
    thread_.wait();
}

std::vector<ComparedRun> ComparisonWorker::readRuns(const QString& storeFile,
                                                    const QList<qint64>& runIds,
                                                    ComparedTables* tables) {
    store::StoreOptions options;
    options.readOnly = true;
    options.create = false;
    options.busyTimeoutMs = 2000;
    store::RunStore store(storeFile.toStdString(), options);
    std::vector<ComparedRun> runs;
    std::vector<std::int64_t> ids;
    for (const qint64 id : runIds) {
        const store::RunInfo info = store.run(id);  // throws for a missing run
        ComparedRun r;
        r.id = id;
        r.name = QString::fromStdString(info.name);
        r.method = QString::fromStdString(info.method);
        r.status = QString::fromStdString(std::string(store::toString(info.status)));
        r.config = compare::flattenConfig(info.configJson);
        for (const auto& key : store.seriesKeys(id)) {
            r.series[key] = store.readSeries(id, key);
        }
        runs.push_back(std::move(r));
        ids.push_back(id);
    }
    if (tables) {
        try {
            tables->paper = store::paperTable(store, ids);
        } catch (const std::exception& e) {
            tables->paperError = QString::fromUtf8(e.what());
        }
        try {
            tables->divergence = store::divergenceTable(store, ids, false);
            tables->divergenceExact = store::divergenceTable(store, ids, true);
        } catch (const std::exception& e) {
            tables->divergenceError = QString::fromUtf8(e.what());
        }
    }
    return runs;
}

std::vector<ComparedPlot> ComparisonWorker::curves(const std::vector<ComparedRun>& runs,
                                                   const ComparisonSettings& settings) {
    std::set<std::tuple<int, std::string>> keys;
    std::vector<compare::FlatConfig> configs;
    for (const auto& r : runs) {
        configs.push_back(r.config);
        for (const auto& [key, points] : r.series) keys.insert({seriesRank(key), key});
    }
    const auto groups = compare::groupRuns(configs, settings.groupKey);
    const bool grouped = !settings.groupKey.empty();
    std::vector<ComparedPlot> plots;
    for (const auto& [rank, key] : keys) {
        ComparedPlot plot;
        plot.seriesKey = key;
        for (const auto& g : groups) {
            std::vector<compare::Curve> members;
            ComparedCurve curve;
            for (const std::size_t i : g.members) {
                const auto it = runs[i].series.find(key);
                if (it == runs[i].series.end() || it->second.empty()) continue;
                members.push_back(compare::alignedCurve(it->second, settings.align, settings.smoothing));
                curve.runIds << runs[i].id;
            }
            if (members.empty()) continue;
            curve.aggregated = grouped;
            curve.data = compare::aggregateCurves(members);
            if (grouped) {
                curve.key = QString::fromStdString("group:" + settings.groupKey + "=" + g.value);
                curve.label = QString::fromStdString(compare::groupLabel(settings.groupKey, g.value)) +
                              QStringLiteral(" (n=%1)").arg(members.size());
            } else {
                const ComparedRun& r = runs[g.members.front()];
                curve.key = QStringLiteral("run:%1").arg(r.id);
                curve.label = QStringLiteral("#%1 %2").arg(r.id).arg(r.name);
            }
            plot.curves.push_back(std::move(curve));
        }
        plots.push_back(std::move(plot));
    }
    return plots;
}

void ComparisonWorker::load(const QString& storeFile, const QList<qint64>& runIds) {
    const int gen = ++loadGeneration_;
    QMetaObject::invokeMethod(context_, [this, storeFile, runIds, gen] {
        try {
            ComparedTables tables;
            auto runs = readRuns(storeFile, runIds, &tables);
            if (gen != loadGeneration_) return;
            *runs_ = runs;
            for (auto& r : runs) r.series.clear();  // the GUI needs names and configs only
            QMetaObject::invokeMethod(
                receiver_, [cb = callbacks_.onLoaded, runs = std::move(runs),
                            tables = std::move(tables)]() mutable { cb(std::move(runs), std::move(tables)); },
                Qt::QueuedConnection);
        } catch (const std::exception& e) {
            runs_->clear();
            QMetaObject::invokeMethod(
                receiver_, [cb = callbacks_.onFailed, m = QString::fromUtf8(e.what())] { cb(m); },
                Qt::QueuedConnection);
        }
    });
}

int ComparisonWorker::compute(const ComparisonSettings& settings) {
    const int gen = ++generation_;
    QMetaObject::invokeMethod(context_, [this, settings, gen] {
        if (gen != generation_) return;  // superseded while waiting
        auto plots = curves(*runs_, settings);
        if (gen != generation_) return;
        QMetaObject::invokeMethod(
            receiver_, [cb = callbacks_.onComputed, gen, plots = std::move(plots)]() mutable {
                cb(gen, std::move(plots));
            },
            Qt::QueuedConnection);
    });
    return gen;
}

}  // namespace flower::widgets
