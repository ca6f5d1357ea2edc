// Series export (issue 18): the per-step series of one or more runs as CSV (long format: one
// row per point, `run,key,step,epoch,wall_time,value`) or JSON, optionally restricted to a range
// of the x axis the plots use (step, epoch or wall time) — "only the zoomed range". Values are
// written with 17 significant digits, so a CSV reads back to the stored doubles exactly.
// Qt-free: the CLI (`flower export --series`) and the workbench's export dialog share it.
// Failure: flower::Error for an unknown run, a key none of the runs has, or an empty range.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/run_records.h"

namespace flower::store {

class RunStore;

// The quantity a range is given in: the x axes of the monitor's plots.
enum class SeriesAxis { Step, Epoch, WallTime };
// "step", "epoch", "time"; parseSeriesAxis throws flower::Error naming `field` otherwise.
std::string_view toString(SeriesAxis axis);
SeriesAxis parseSeriesAxis(std::string_view name, const std::string& field = "x axis");

// Points with lower <= x <= upper on `axis`. Wall time is Unix seconds (the monitor's "time
// since start" plus the run's first point's time).
struct SeriesRange {
    SeriesAxis axis = SeriesAxis::Step;
    double lower = 0;
    double upper = 0;
    bool contains(const ScalarPoint& p) const;
};

struct SeriesSelection {
    std::vector<std::int64_t> runs;
    std::vector<std::string> keys;     // empty: every series of each run
    std::optional<SeriesRange> range;  // none: every point
};

struct RunSeries {
    std::int64_t run = 0;
    std::string runName;
    std::string key;
    std::vector<ScalarPoint> points;
};

// The selected series, run by run (in the order given), keys in the store's order. A key
// asked for that a run lacks is skipped for that run; one that no run has is an error.
std::vector<RunSeries> collectSeries(RunStore& store, const SeriesSelection& selection);

// run,key,step,epoch,wall_time,value — one header line, then one line per point.
std::string seriesCsv(const std::vector<RunSeries>& series);
// {"runs": [{"id", "name", "series": {key: {"step": [...], "epoch": [...], "wall_time": [...],
// "value": [...]}}}], "range": {...} or null} — columns as in run_json_export.
nlohmann::json seriesJson(const std::vector<RunSeries>& series,
                          const std::optional<SeriesRange>& range = std::nullopt);

}  // namespace flower::store
