#include "core/store/series_export.h"

#include "core/store/run_store.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace flower::store {

std::string_view toString(SeriesAxis axis) {
    switch (axis) {
        case SeriesAxis::Epoch: return "epoch";
        case SeriesAxis::WallTime: return "time";
        case SeriesAxis::Step: break;
    }
    return "step";
}

SeriesAxis parseSeriesAxis(std::string_view name, const std::string& field) {
    if (name == "step") return SeriesAxis::Step;
    if (name == "epoch") return SeriesAxis::Epoch;
    if (name == "time") return SeriesAxis::WallTime;
    throw Error({"", 0, field}, "\"" + std::string(name) + "\" is not an x axis (expected step, epoch or time)");
}

bool SeriesRange::contains(const ScalarPoint& p) const {
    const double x = axis == SeriesAxis::Step    ? static_cast<double>(p.step)
                     : axis == SeriesAxis::Epoch ? p.epoch
                                                 : p.wallTime;
    return x >= lower && x <= upper;
}

std::vector<RunSeries> collectSeries(RunStore& store, const SeriesSelection& selection) {
    if (selection.range && !(selection.range->lower <= selection.range->upper)) {
        throw Error({"", 0, "range"}, "the x range is empty (from " + std::to_string(selection.range->lower) +
                                          " to " + std::to_string(selection.range->upper) +
                                          "; expected from <= to)");
    }
    std::vector<RunSeries> out;
    std::set<std::string> found;
    for (const std::int64_t id : selection.runs) {
        const RunInfo info = store.run(id);  // an unknown id is the store's error
        for (const std::string& key : store.seriesKeys(id)) {
            if (!selection.keys.empty() &&
                std::find(selection.keys.begin(), selection.keys.end(), key) == selection.keys.end()) {
                continue;
            }
            found.insert(key);
            RunSeries s{id, info.name, key, {}};
            for (const ScalarPoint& p : store.readSeries(id, key)) {
                if (!selection.range || selection.range->contains(p)) s.points.push_back(p);
            }
            out.push_back(std::move(s));
        }
    }
    for (const std::string& key : selection.keys) {
        if (!found.contains(key)) {
            throw Error({store.file().string(), 0, "series"},
                        "no selected run has a series \"" + key + "\" (see flower show RUN for the keys)");
        }
    }
    return out;
}

namespace {

// Shortest text that reads back to the same double (17 significant digits at most).
std::string number(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    char buffer[40];
    for (int digits = 15; digits <= 17; ++digits) {
        std::snprintf(buffer, sizeof buffer, "%.*g", digits, v);
        if (std::strtod(buffer, nullptr) == v) break;
    }
    return buffer;
}

// RFC 4180: quoted when it holds a comma, quote or line break.
std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

}  // namespace

std::string seriesCsv(const std::vector<RunSeries>& series) {
    std::string text = "run,key,step,epoch,wall_time,value\n";
    for (const RunSeries& s : series) {
        const std::string prefix = std::to_string(s.run) + "," + csvField(s.key) + ",";
        for (const ScalarPoint& p : s.points) {
            text += prefix + std::to_string(p.step) + "," + number(p.epoch) + "," + number(p.wallTime) + "," +
                    number(p.value) + "\n";
        }
    }
    return text;
}

nlohmann::json seriesJson(const std::vector<RunSeries>& series, const std::optional<SeriesRange>& range) {
    nlohmann::json runs = nlohmann::json::array();
    for (const RunSeries& s : series) {
        if (runs.empty() || runs.back().at("id").get<std::int64_t>() != s.run) {
            runs.push_back({{"id", s.run}, {"name", s.runName}, {"series", nlohmann::json::object()}});
        }
        nlohmann::json steps = nlohmann::json::array(), epochs = nlohmann::json::array(),
                       times = nlohmann::json::array(), values = nlohmann::json::array();
        for (const ScalarPoint& p : s.points) {
            steps.push_back(p.step);
            epochs.push_back(p.epoch);
            times.push_back(p.wallTime);
            values.push_back(p.value);
        }
        runs.back()["series"][s.key] = {{"step", steps}, {"epoch", epochs}, {"wall_time", times}, {"value", values}};
    }
    nlohmann::json out = {{"runs", runs}, {"range", nullptr}};
    if (range) {
        out["range"] = {{"axis", std::string(toString(range->axis))}, {"from", range->lower}, {"to", range->upper}};
    }
    return out;
}

}  // namespace flower::store
