#include "core/store/run_json_export.h"

#include "core/store/run_store.h"

#include <nlohmann/json.hpp>

namespace flower::store {

using nlohmann::json;

json exportRunJson(RunStore& store, std::int64_t runId) {
    const RunInfo r = store.run(runId);
    auto optional = [](const auto& v) { return v ? json(*v) : json(nullptr); };
    json config = json::parse(r.configJson, nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded()) {
        config = r.configJson;  // keep what was stored, even if it is not JSON
    }
    json out = {
        {"run",
         {{"id", r.id},
          {"name", r.name},
          {"status", toString(r.status)},
          {"created_at", r.createdAt},
          {"started_at", optional(r.startedAt)},
          {"finished_at", optional(r.finishedAt)},
          {"method", r.method},
          {"dataset", r.dataset},
          {"seed", r.seed},
          {"code_version", r.codeVersion},
          {"host", r.host},
          {"device", r.device},
          {"error", optional(r.error)},
          {"notes", r.notes},
          {"tags", store.tags(runId)}}},
        {"config", config},
    };
    json series = json::object();
    for (const auto& key : store.seriesKeys(runId)) {
        json steps = json::array(), epochs = json::array(), values = json::array(),
             walls = json::array();
        for (const auto& p : store.readSeries(runId, key)) {
            steps.push_back(p.step);
            epochs.push_back(p.epoch);
            values.push_back(p.value);
            walls.push_back(p.wallTime);
        }
        series[key] = {{"step", steps}, {"epoch", epochs}, {"value", values}, {"wall_time", walls}};
    }
    out["series"] = series;
    json histograms = json::array();
    for (const auto& h : store.histograms(runId)) {
        histograms.push_back({{"kind", h.kind}, {"step", h.step}, {"bins", h.bins}});
    }
    out["histograms"] = histograms;
    json divergences = json::array();
    for (const auto& d : store.divergences(runId)) {
        divergences.push_back({{"level", toString(d.level)}, {"kind", toString(d.kind)},
                               {"step", d.step}, {"value", d.value}});
    }
    out["divergences"] = divergences;
    json evaluations = json::array();
    for (const auto& e : store.evaluations(runId)) {
        evaluations.push_back({{"split", e.split}, {"metric", e.metric}, {"k", e.k},
                               {"step", e.step}, {"value", e.value}});
    }
    out["evaluations"] = evaluations;
    json samples = json::array();
    for (const auto& s : store.samples(runId)) {
        samples.push_back({{"step", s.step}, {"prompt_id", s.promptId}, {"title", s.title},
                           {"valid", s.valid}, {"log_prob", optional(s.logProb)},
                           {"split", s.split}});
    }
    out["samples"] = samples;
    json checkpoints = json::array();
    for (const auto& c : store.checkpoints(runId)) {
        checkpoints.push_back({{"step", c.step}, {"path", c.path}, {"metric", optional(c.metric)},
                               {"created_at", c.createdAt}});
    }
    out["checkpoints"] = checkpoints;
    return out;
}

}  // namespace flower::store
