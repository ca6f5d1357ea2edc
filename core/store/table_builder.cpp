#include "core/store/table_builder.h"

#include "core/store/run_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

namespace flower::store {

namespace {

struct MetricKey {
    std::string metric;
    int k;
    auto operator<=>(const MetricKey&) const = default;
};

// (metric, k) → value of the run's last test evaluation.
std::map<MetricKey, double> finalTestMetrics(RunStore& store, std::int64_t runId) {
    std::int64_t lastStep = -1;
    const auto rows = store.evaluations(runId);
    for (const auto& e : rows) {
        if (e.split == "test") {
            lastStep = std::max(lastStep, e.step);
        }
    }
    std::map<MetricKey, double> out;
    for (const auto& e : rows) {
        if (e.split == "test" && e.step == lastStep) {
            out[{e.metric, e.k}] = e.value;
        }
    }
    return out;
}

std::string datasetLabel(const std::string& dataset) {
    if (dataset.rfind("synthetic:", 0) == 0) {
        return "synthetic";
    }
    const std::filesystem::path p(dataset);
    return p.has_filename() ? p.filename().string() : p.parent_path().filename().string();
}

// The config without what varies between seeds of one experiment.
std::string configWithoutSeed(const std::string& configJson) {
    auto j = nlohmann::json::parse(configJson, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return configJson;
    }
    j.erase("seed");
    j.erase("name");
    j.erase("description");
    return j.dump();
}

bool lowerIsBetter(const std::string& metric) {
    return metric == "dgu" || metric == "mgu" || metric.rfind("kl", 0) == 0 || metric == "js" ||
           metric.find("loss") != std::string::npos;
}

std::string metricHeader(const MetricKey& m) {
    static const std::map<std::string, std::string> kNames = {
        {"ndcg", "NDCG"}, {"hr", "HR"}, {"dgu", "DGU"}, {"mgu", "MGU"},
        {"entropy", "H"}, {"ttr", "TTR"}};
    const auto it = kNames.find(m.metric);
    const std::string name = it == kNames.end() ? m.metric : it->second;
    return m.k > 0 ? name + "@" + std::to_string(m.k) : name;
}

int metricOrder(const std::string& metric) {
    static const std::vector<std::string> kOrder = {"ndcg", "hr", "dgu", "mgu", "entropy", "ttr"};
    const auto it = std::find(kOrder.begin(), kOrder.end(), metric);
    return static_cast<int>(it - kOrder.begin());
}

}  // namespace

std::string methodLabel(std::string_view method) {
    if (method == "sasrec") return "SASRec";
    if (method == "sft") return "BIGRec";
    if (method == "sft_temperature") return "Temp";
    if (method == "ifairlrs") return "IFairLRS";
    if (method == "flower") return "Flower";
    return std::string(method);
}

ResultTable paperTable(RunStore& store, const std::vector<std::int64_t>& runIds) {
    const std::vector<MetricKey> metrics = {{"ndcg", 5}, {"hr", 5}, {"dgu", 10},
                                            {"mgu", 10}, {"entropy", 0}, {"ttr", 0}};
    std::vector<std::string> datasets;
    std::vector<std::string> methods;
    struct CellRuns {
        std::string config;
        std::int64_t firstRun = 0;
        std::vector<std::map<MetricKey, double>> results;
    };
    std::map<std::pair<std::string, std::string>, CellRuns> cells;  // (method, dataset)
    for (const auto id : runIds) {
        const RunInfo run = store.run(id);
        const std::string dataset = datasetLabel(run.dataset);
        if (std::find(datasets.begin(), datasets.end(), dataset) == datasets.end()) {
            datasets.push_back(dataset);
        }
        if (std::find(methods.begin(), methods.end(), run.method) == methods.end()) {
            methods.push_back(run.method);
        }
        CellRuns& cell = cells[{run.method, dataset}];
        const std::string config = configWithoutSeed(run.configJson);
        if (cell.results.empty()) {
            cell.config = config;
            cell.firstRun = id;
        } else if (cell.config != config) {
            throw Error({store.file().string(), 0, ""},
                        "runs " + std::to_string(cell.firstRun) + " and " + std::to_string(id) +
                            " both give " + methodLabel(run.method) + " on " + dataset +
                            " but their configs differ in more than the seed; export them "
                            "separately (or use the runs table)");
        }
        cell.results.push_back(finalTestMetrics(store, id));
    }
    // The paper's row order first, then any other method in order of appearance.
    const std::vector<std::string> kPaperOrder = {"sasrec", "sft", "sft_temperature", "ifairlrs", "flower"};
    std::stable_sort(methods.begin(), methods.end(), [&](const auto& a, const auto& b) {
        const auto ia = std::find(kPaperOrder.begin(), kPaperOrder.end(), a) - kPaperOrder.begin();
        const auto ib = std::find(kPaperOrder.begin(), kPaperOrder.end(), b) - kPaperOrder.begin();
        return ia < ib;
    });

    ResultTable table;
    for (const auto& d : datasets) {
        ColumnGroup g{d, {}};
        for (const auto& m : metrics) {
            g.columns.push_back({metricHeader(m), lowerIsBetter(m.metric)});
        }
        table.groups.push_back(g);
    }
    for (const auto& method : methods) {
        ResultRow row{methodLabel(method), {}};
        for (const auto& d : datasets) {
            const auto it = cells.find({method, d});
            for (const auto& m : metrics) {
                TableCell cell;
                if (it != cells.end()) {
                    for (const auto& result : it->second.results) {
                        if (const auto v = result.find(m); v != result.end()) {
                            cell.values.push_back(v->second);
                        }
                    }
                }
                row.cells.push_back(cell);
            }
        }
        table.rows.push_back(row);
    }
    return table;
}

ResultTable runsTable(RunStore& store, const std::vector<std::int64_t>& runIds) {
    std::vector<std::pair<RunInfo, std::map<MetricKey, double>>> runs;
    std::vector<MetricKey> metrics;
    for (const auto id : runIds) {
        auto result = finalTestMetrics(store, id);
        for (const auto& [m, v] : result) {
            if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) {
                metrics.push_back(m);
            }
        }
        runs.emplace_back(store.run(id), std::move(result));
    }
    std::sort(metrics.begin(), metrics.end(), [](const MetricKey& a, const MetricKey& b) {
        return std::make_tuple(metricOrder(a.metric), a.metric, a.k) <
               std::make_tuple(metricOrder(b.metric), b.metric, b.k);
    });
    ResultTable table;
    table.rowHeader = "Run";
    ColumnGroup g;
    for (const auto& m : metrics) {
        g.columns.push_back({metricHeader(m), lowerIsBetter(m.metric)});
    }
    table.groups.push_back(g);
    for (const auto& [run, result] : runs) {
        ResultRow row{"#" + std::to_string(run.id) + " " + run.name, {}};
        for (const auto& m : metrics) {
            TableCell cell;
            if (const auto v = result.find(m); v != result.end()) {
                cell.values.push_back(v->second);
            }
            row.cells.push_back(cell);
        }
        table.rows.push_back(row);
    }
    return table;
}

}  // namespace flower::store
