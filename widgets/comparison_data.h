// The values the comparison passes from its worker to the GUI thread (copied, never shared
// while written): the runs as read, and the curves of one plot after alignment, smoothing and
// aggregation (core/compare/series_aggregation.h).
#pragma once

#include "core/compare/config_flattening.h"
#include "core/compare/series_aggregation.h"
#include "core/store/result_table.h"

#include <QList>
#include <QString>

#include <map>
#include <string>
#include <vector>

namespace flower::widgets {

enum class BandMode { StdDev, MinMax, None };

struct ComparedRun {
    qint64 id = 0;
    QString name;
    QString method;
    QString status;
    compare::FlatConfig config;
    std::map<std::string, std::vector<store::ScalarPoint>> series;  // key → points (step order)
};

struct ComparisonSettings {
    compare::XAlign align = compare::XAlign::Step;
    double smoothing = 0.6;  // the run monitor's (TensorBoard's) default
    std::string groupKey;  // "" = one curve per run
};

struct ComparedCurve {
    QString key;        // palette key: "run:7" or "group:lambda=0.1"
    QString label;      // legend: "#7 flower-s0", "λ=0.1 (n=3)"
    QList<qint64> runIds;
    bool aggregated = false;  // a group (mean with a band), not one run
    compare::AggregatedSeries data;
};

struct ComparedPlot {
    std::string seriesKey;  // "loss/total", "valid/ndcg@5"
    std::vector<ComparedCurve> curves;
};

struct ComparedTables {
    store::ResultTable paper;       // Table 4
    store::ResultTable divergence;  // Table 3, sampled
    store::ResultTable divergenceExact;
    QString paperError;             // why a table could not be built ("" = fine)
    QString divergenceError;
};

}  // namespace flower::widgets
