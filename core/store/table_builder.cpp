#include "core/store/table_builder.h"

#include "core/store/run_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <initializer_list>
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

// The config without what varies between seeds of one experiment (or only names its row).
nlohmann::json configWithoutSeed(const std::string& configJson) {
    auto j = nlohmann::json::parse(configJson, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return configJson;  // compared as text
    }
    for (const char* key : {"seed", "name", "description", "table_row"}) {
        j.erase(key);
    }
    return j;
}

// The first field (dotted path) in which two configs differ, "" when they are equal.
std::string firstDifference(const nlohmann::json& a, const nlohmann::json& b,
                            const std::string& path = "") {
    if (a.is_object() && b.is_object()) {
        for (const auto& [key, value] : a.items()) {
            const std::string here = path.empty() ? key : path + "." + key;
            if (!b.contains(key)) {
                return here;
            }
            if (auto d = firstDifference(value, b.at(key), here); !d.empty()) {
                return d;
            }
        }
        for (const auto& [key, value] : b.items()) {
            if (!a.contains(key)) {
                return path.empty() ? key : path + "." + key;
            }
        }
        return "";
    }
    return a == b ? "" : (path.empty() ? std::string("the config") : path);
}

// A string field of a nested object, or `fallback` when absent or not a string.
std::string stringAt(const nlohmann::json& j, std::initializer_list<const char*> path,
                     const std::string& fallback) {
    const nlohmann::json* at = &j;
    for (const char* key : path) {
        if (!at->is_object() || !at->contains(key)) {
            return fallback;
        }
        at = &at->at(key);
    }
    return at->is_string() ? at->get<std::string>() : fallback;
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
    if (method == "d3") return "D3";
    if (method == "ifairlrs") return "IFairLRS";
    if (method == "flower") return "Flower";
    return std::string(method);
}

const std::vector<std::string>& paperRowOrder() {
    static const std::vector<std::string> kOrder = {
        "SASRec", "BIGRec", "Temp", "D3", "IFairLRS", "Flower",
        "Flower (R)", "Flower (÷ pref)", "Flower (+ log pref)"};
    return kOrder;
}

std::string paperRowLabel(const std::string& configJson, std::string_view storedMethod) {
    const auto j = nlohmann::json::parse(configJson, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
        return methodLabel(storedMethod);
    }
    if (const std::string row = stringAt(j, {"table_row"}, ""); !row.empty()) {
        return row;
    }
    const std::string method = stringAt(j, {"method"}, std::string(storedMethod));
    std::string decoding = stringAt(j, {"evaluation", "decoding"}, "beam");
    if (decoding == "constrained") {
        decoding = "beam";  // the schema before "beam" | "temp" | "d3" | "free"
    }
    if (method == "sasrec") {
        return "SASRec";  // ranks all items; no decoding
    }
    if (method == "sft" || method == "sft_temperature") {
        // Temp and D3 are BIGRec's model decoded differently (the reference's evaluate_sft.sh).
        if (method == "sft_temperature" || decoding == "temp") return "Temp";
        if (decoding == "d3") return "D3";
        if (decoding == "free") return "BIGRec (free decoding)";
        return "BIGRec";
    }
    std::string label = methodLabel(method);
    if (method == "flower") {
        const std::string variant = stringAt(j, {"reward", "variant"}, "");
        if (variant == "flow") label = "Flower (R)";
        else if (variant == "flow_div_pref") label = "Flower (÷ pref)";
        else if (variant == "flow_plus_log_pref") label = "Flower (+ log pref)";
        else if (!variant.empty()) label = "Flower (" + variant + ")";
    }
    if (decoding == "temp") return label + " + Temp";
    if (decoding == "d3") return label + " + D3";
    if (decoding == "free") return label + " (free decoding)";
    if (decoding != "beam") return label + " (" + decoding + ")";
    return label;
}

namespace {

// The runs of one (row label, dataset) cell and each run's final results.
struct CellRuns {
    nlohmann::json config;
    std::int64_t firstRun = 0;
    std::vector<std::map<MetricKey, double>> results;
};

struct CollectedCells {
    std::vector<std::string> datasets;  // order of first appearance
    std::vector<std::string> labels;    // the paper's order, then order of appearance
    std::map<std::pair<std::string, std::string>, CellRuns> cells;  // (label, dataset)
};

// Groups runs into cells by paper row label and dataset; runs of one cell may differ only in
// seed (the error otherwise names both runs and the first differing field).
template <class Results>
CollectedCells collectCells(RunStore& store, const std::vector<std::int64_t>& runIds,
                            Results&& resultsOf) {
    CollectedCells c;
    for (const auto id : runIds) {
        const RunInfo run = store.run(id);
        const std::string dataset = datasetLabel(run.dataset);
        const std::string label = paperRowLabel(run.configJson, run.method);
        if (std::find(c.datasets.begin(), c.datasets.end(), dataset) == c.datasets.end()) {
            c.datasets.push_back(dataset);
        }
        if (std::find(c.labels.begin(), c.labels.end(), label) == c.labels.end()) {
            c.labels.push_back(label);
        }
        CellRuns& cell = c.cells[{label, dataset}];
        auto config = configWithoutSeed(run.configJson);
        if (cell.results.empty()) {
            cell.config = std::move(config);
            cell.firstRun = id;
        } else if (const auto field = firstDifference(cell.config, config); !field.empty()) {
            throw Error({store.file().string(), 0, ""},
                        "runs " + std::to_string(cell.firstRun) + " and " + std::to_string(id) +
                            " both give the row " + label + " on " + dataset +
                            " but their configs differ in more than the seed (first in " + field +
                            "); give one a \"table_row\", or export them separately (or use the "
                            "runs table)");
        }
        cell.results.push_back(resultsOf(id));
    }
    // The paper's row order first, then any other row in order of appearance.
    const auto& order = paperRowOrder();
    std::stable_sort(c.labels.begin(), c.labels.end(), [&](const auto& a, const auto& b) {
        return std::find(order.begin(), order.end(), a) < std::find(order.begin(), order.end(), b);
    });
    return c;
}

// The six divergences of a run's last evaluation that has them (split "test" when there is
// one, else "valid"), keyed by their stored names without the "_exact" suffix.
std::map<MetricKey, double> finalDivergences(RunStore& store, std::int64_t runId, bool exact) {
    const std::string suffix = exact ? "_exact" : "";
    const auto rows = store.evaluations(runId);
    std::string split;
    for (const auto& e : rows) {
        if (e.metric == "js_title" + suffix && (split.empty() || e.split == "test")) split = e.split;
    }
    std::int64_t lastStep = -1;
    for (const auto& e : rows) {
        if (e.split == split && e.metric == "js_title" + suffix) lastStep = std::max(lastStep, e.step);
    }
    std::map<MetricKey, double> out;
    for (const auto& e : rows) {
        if (e.split != split || e.step != lastStep || e.metric.size() <= suffix.size() ||
            e.metric.compare(e.metric.size() - suffix.size(), suffix.size(), suffix) != 0) {
            continue;
        }
        const std::string base = e.metric.substr(0, e.metric.size() - suffix.size());
        if (base.rfind("kl_", 0) == 0 || base.rfind("js_", 0) == 0) out[{base, 0}] = e.value;
    }
    return out;
}

}  // namespace

ResultTable paperTable(RunStore& store, const std::vector<std::int64_t>& runIds) {
    const std::vector<MetricKey> metrics = {{"ndcg", 5}, {"hr", 5}, {"dgu", 10},
                                            {"mgu", 10}, {"entropy", 0}, {"ttr", 0}};
    auto collected = collectCells(store, runIds, [&](std::int64_t id) { return finalTestMetrics(store, id); });
    const auto& datasets = collected.datasets;
    const auto& labels = collected.labels;
    const auto& cells = collected.cells;

    ResultTable table;
    for (const auto& d : datasets) {
        ColumnGroup g{d, {}};
        for (const auto& m : metrics) {
            g.columns.push_back({metricHeader(m), lowerIsBetter(m.metric)});
        }
        table.groups.push_back(g);
    }
    for (const auto& label : labels) {
        ResultRow row{label, {}};
        bool topItem = false;
        for (const auto& d : datasets) {
            const auto it = cells.find({label, d});
            for (const auto& m : metrics) {
                TableCell cell;
                if (it != cells.end()) {
                    for (const auto& result : it->second.results) {
                        auto v = result.find(m);
                        if (v == result.end() && m.metric != "ndcg" && m.metric != "hr") {
                            // A SASRec run stores its fairness/diversity figures of the top-1
                            // item at k = 1 (core/sasrec/top_item_evaluation.h).
                            v = result.find({m.metric, 1});
                            topItem = topItem || v != result.end();
                        }
                        if (v != result.end()) {
                            cell.values.push_back(v->second);
                        }
                    }
                }
                row.cells.push_back(cell);
            }
        }
        table.rows.push_back(row);
        if (topItem) {
            table.notes.push_back(label + ": DGU, MGU, H and TTR from each row's top-1 item, as the "
                                  "reference computes them for SASRec (stored as DGU@1, MGU@1, "
                                  "entropy@1, ttr@1); NDCG and HR rank all items.");
        }
    }
    return table;
}

ResultTable divergenceTable(RunStore& store, const std::vector<std::int64_t>& runIds,
                            bool exact) {
    auto collected = collectCells(store, runIds, [&](std::int64_t id) {
        return finalDivergences(store, id, exact);
    });
    const std::vector<std::pair<std::string, std::string>> columns = {
        {"kl_tr", "KL(T‖R)"}, {"kl_rt", "KL(R‖T)"}, {"js", "JS"}};
    const bool several = collected.datasets.size() > 1;
    ResultTable table;
    for (const auto& d : collected.datasets) {
        for (const char* level : {"title", "token"}) {
            const std::string name = std::string(level) == "title" ? "Title" : "Token";
            ColumnGroup g{several ? d + " " + level : name, {}};
            for (const auto& c : columns) g.columns.push_back({c.second, true});
            table.groups.push_back(g);
        }
    }
    for (const auto& label : collected.labels) {
        ResultRow row{label, {}};
        for (const auto& d : collected.datasets) {
            const auto it = collected.cells.find({label, d});
            for (const char* level : {"title", "token"}) {
                for (const auto& c : columns) {
                    TableCell cell;
                    if (it != collected.cells.end()) {
                        for (const auto& result : it->second.results) {
                            if (const auto v = result.find({c.first + "_" + level, 0}); v != result.end()) {
                                cell.values.push_back(v->second);
                            }
                        }
                    }
                    row.cells.push_back(cell);
                }
            }
        }
        table.rows.push_back(row);
    }
    table.notes.push_back(std::string("T = the target distribution, R = the model's ") +
                          (exact ? "exact (teacher-forced) distribution" : "sampled generations") +
                          "; KL(T‖R) = Σ T log(T/R). Lower is better.");
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
