// The plain records the run store reads and writes: a run's description and each kind of
// measurement. Shared by RunStore (reader), RunWriter (the worker's batched writer) and the
// exporters. Times are Unix seconds; steps are optimiser steps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flower::store {

enum class RunStatus { Queued, Running, Finished, Failed, Cancelled, Interrupted };

// "queued", "running", ... as stored in the runs table.
std::string_view toString(RunStatus status);
// The inverse; throws flower::Error for an unknown name.
RunStatus parseRunStatus(std::string_view name);

// What the caller supplies when registering a run; the store adds id, times, host, code version.
struct NewRun {
    std::string name;
    std::string configJson;   // the fully resolved ExperimentConfig (ExperimentConfig::toJson)
    std::string method;       // copied from the config for grouping (tables, filters)
    std::string dataset;
    std::int64_t seed = 0;
    std::string device;       // "cpu", "cuda:0", ...
    std::optional<std::int64_t> sweepId;  // the sweep it belongs to (RunStore::createSweep)
    std::string sweepPoint;   // its values in the sweep: {"lambda":0.1,"seed":2}
};

// A sweep as the store keeps it (core/run/sweep_config.h makes one).
struct NewSweep {
    std::string name;
    std::string file;                     // the sweep file it was queued from ("" = the editor)
    std::vector<std::string> variedKeys;  // in expansion order ("lambda", "seed")
    std::string axesJson;                 // {"grid": {...}, "zip": {...}, "set": {...}}
};

struct SweepInfo {
    std::int64_t id = 0;
    std::string name;
    std::string file;
    std::vector<std::string> variedKeys;
    std::string axesJson;
    double createdAt = 0;
};

struct RunInfo {
    std::int64_t id = 0;
    std::string name;
    RunStatus status = RunStatus::Queued;
    double createdAt = 0;
    std::optional<double> startedAt;
    std::optional<double> finishedAt;
    std::string configJson;
    std::string method;
    std::string dataset;
    std::int64_t seed = 0;
    std::string codeVersion;  // "0.1.0+<git commit>"
    std::string host;
    std::string device;
    std::optional<std::string> error;
    std::optional<std::int64_t> ownerPid;
    std::optional<std::string> ownerHost;
    std::string notes;
    std::optional<std::int64_t> sweepId;
    std::string sweepPoint;  // JSON object, "" when not in a sweep
};

struct ScalarPoint {
    std::int64_t step = 0;
    double epoch = 0;
    double value = 0;
    double wallTime = 0;
};

struct HistogramRow {
    std::string kind;  // groups_recommended, groups_target, ...
    std::int64_t step = 0;
    std::vector<double> bins;
};

enum class DivergenceLevel { Title, Token };
enum class DivergenceKind { KlTargetPolicy, KlPolicyTarget, Js };  // KL(T‖R), KL(R‖T), JS
std::string_view toString(DivergenceLevel level);
std::string_view toString(DivergenceKind kind);

struct DivergenceRow {
    DivergenceLevel level = DivergenceLevel::Title;
    DivergenceKind kind = DivergenceKind::Js;
    std::int64_t step = 0;
    double value = 0;
};

struct EvaluationRow {
    std::string split;   // valid, test
    std::string metric;  // ndcg, hr, dgu, mgu, entropy, ttr
    int k = 0;           // 0 when the metric has no cut-off
    std::int64_t step = 0;
    double value = 0;
};

struct SampleRow {
    std::int64_t step = 0;
    std::int64_t promptId = 0;
    std::string title;
    bool valid = false;  // the title is an item of the catalogue
    std::optional<double> logProb;
    std::string split = "valid";  // of the prompt: "valid", or "test" (end of training)
};

// A run's key figures for lists (RunStore::figures): each an indexed lookup.
struct RunFigures {
    std::int64_t lastStep = 0;           // last step of loss/total (0: none yet)
    std::optional<double> lastLoss;      // loss/total at lastStep
    std::optional<double> bestMetric;    // best value of the monitored metric series
    std::optional<double> titleJs;       // title-level JS at the last evaluation that has one
};

struct CheckpointRow {
    std::int64_t step = 0;
    std::string path;
    std::optional<double> metric;
    double createdAt = 0;
};

}  // namespace flower::store
