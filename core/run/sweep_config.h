// SweepConfig: a sweep file — one base experiment and the fields to vary — and its expansion
// into resolved experiments (issue 18). A sweep file:
//
//   {"name": "lambda-seeds",                      optional; default: the file's stem
//    "description": "…",                          optional
//    "experiment": "base.json",                   relative to the sweep file
//    "set": {"max_steps": 200},                   applied to every point
//    "grid": {"lambda": [0.01, 0.1], "seed": [1, 2, 3]},   cartesian product
//    "zip": {"optimizer.lr": [1e-4, 3e-4], "reward.granularity": [1, 5]}}   side by side
//
// Keys are the dotted form of `flower train --set` and are checked by the same code (an unknown
// key is refused with the closest known key suggested). An axis is a non-empty JSON list, or
//   {"linspace": [start, stop, n]}   n evenly spaced values, both ends included (numpy's)
//   {"logspace": [a, b, n]}          10^x for x in linspace(a, b, n)
// Generated values are rounded to 15 significant digits (so 0.1·3 is 0.3, not
// 0.30000000000000004) and integral ones are written as integers (a seed axis
// {"linspace": [1, 3, 3]} gives 1, 2, 3, which integer fields accept).
//
// Expansion (deterministic and ordered, so a point's index is stable — Slurm's array task id):
// the grid in key order as written, last key fastest; × the zip (every zip axis has the same
// length, index i of each taken together), zip fastest. Each point is the base experiment +
// "set" + the point's values, applied exactly as `--set key=value` (a string value as its text,
// anything else as its JSON). Path values (dataset, tokenizer, model, preference.scores) in the
// sweep file are relative to the sweep file. A point's run is named
// "<sweep>/lambda=0.1,seed=2" (varied keys: grid then zip, in the file's order).
//
// Failure: flower::Error naming the sweep file and the field ("sweep.json, field grid.seed: an
// empty axis …"): unknown top-level or experiment key, empty axis, zip axes of unequal length, a
// key in two of set/grid/zip, a bad linspace/logspace spec, no axis at all, "name" as a key, a
// duplicate value; a point whose experiment does not validate names the point's run.
#pragma once

#include "core/run/experiment_config.h"

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace flower::run {

// One varied field and its values, each as JSON text ("0.1", "\"flow_div_pref\"").
struct SweepAxis {
    std::string key;                  // dotted --set form: "lambda", "reward.variant"
    std::vector<std::string> values;  // JSON text of each value, in order
};

// One value per varied key, in the order of SweepConfig::variedKeys(); values as JSON text.
using SweepPoint = std::vector<std::pair<std::string, std::string>>;

// One point of a sweep: its name, its values, the overrides that made it and the validated config.
struct ResolvedExperiment {
    std::size_t index = 0;               // position in the expansion (0-based)
    std::string name;                    // "<sweep>/lambda=0.1,seed=2" (= config.name)
    SweepPoint point;
    std::vector<std::string> overrides;  // the --set specs applied to the base, in order
    ExperimentConfig config;

    // The standalone experiment file of this point (every field resolved, paths absolute):
    // `flower train --experiment` of it trains exactly this run.
    nlohmann::json toJson() const;
};

class SweepConfig {
public:
    std::string name;                     // the sweep's name; prefix of its runs' names
    std::string description;
    std::string source;                   // the file (or "<sweep>") named in errors
    std::filesystem::path experiment;     // the base experiment file, absolute
    std::vector<std::pair<std::string, std::string>> set;  // key → JSON text, in file order
    std::vector<SweepAxis> grid;          // in file order
    std::vector<SweepAxis> zip;           // in file order, all of one length

    // Reads and checks a sweep file (structure and keys; the points are validated by expand()).
    static SweepConfig load(const std::filesystem::path& file);
    // The same from JSON text (the sweep editor): relative paths are relative to `baseDir`,
    // `source` names it in errors; `defaultName` is used when the JSON has no "name".
    static SweepConfig parse(const std::string& jsonText, const std::filesystem::path& baseDir,
                             const std::string& source, const std::string& defaultName);

    // Number of points: product of the grid axes' lengths × the zip length.
    std::size_t size() const;
    // Grid keys then zip keys, in file order.
    std::vector<std::string> variedKeys() const;
    // The points in expansion order, without loading any experiment (cheap: previews).
    std::vector<SweepPoint> points() const;
    // Every point resolved and validated. Throws flower::Error naming the failing point.
    std::vector<ResolvedExperiment> expand() const;
    // The sweep file of this sweep ("experiment" absolute), in the layout load() reads.
    std::string toJsonText() const;
    // The axes for the store's sweeps table: {"grid": {...}, "zip": {...}, "set": {...}}.
    std::string axesJson() const;
};

// The run name of a point: "<sweep>/k=v,k=v" (strings without quotes).
std::string sweepRunName(const std::string& sweepName, const SweepPoint& point);
// A JSON value's text as a user reads it: strings without quotes, the rest as JSON.
std::string displayValue(const std::string& jsonText);
// The suggested group-by keys of a sweep's comparison: the varied keys without "seed" (seeds
// are what a group aggregates over).
std::vector<std::string> sweepGroupByKeys(const std::vector<std::string>& variedKeys);
// Every dotted key an experiment has (leaves of ExperimentConfig::toJson, plus "theta"), sorted:
// what a sweep may vary (the editor's field list).
std::vector<std::string> experimentKeys();
// The values of an axis spec as JSON texts: a list, {"linspace": …} or {"logspace": …}.
// `field` names it in errors ("grid.lambda"), `source` the file.
std::vector<std::string> axisValues(const std::string& specJson, const std::string& source,
                                    const std::string& field);

}  // namespace flower::run
