// prepareAmazon: raw Amazon Review Data (2018) dumps → a dataset folder in the layout
// `--dataset DIR` reads, row for row and id for id as the Flower authors' process.py and
// notebook make it (core/prepare/README.md lists the steps and the deliberate differences).
// Writes train.csv, valid.csv, test.csv, items.tsv, reference_title_interaction.json,
// reference_group_title_8.json and prepare.json into a temporary sibling folder and renames it
// to `out` at the end: an interrupted or failed run leaves no half dataset.
// Failure: flower::Error (bad input with file, line and field; an empty window or K-core; an
// existing non-empty `out`); nothing is written then.
#pragma once

#include "core/prepare/core_selection.h"

#include <cstdint>
#include <functional>
#include <string>

namespace flower::prepare {

struct PrepareOptions {
    std::string reviews;   // {Category}.json(.gz) or {Category}_5.json(.gz)
    std::string meta;      // meta_{Category}.json(.gz)
    std::string category;  // recorded in prepare.json
    std::string out;
    CoreOptions core;
    int maxHistory = 10;
    int groups = 8;        // reference_group_title_<groups>.json
    bool strict = true;
};

struct PrepareProgress {
    std::string stage;           // "meta", "reviews", "filter", "write"
    std::uint64_t done = 0;      // bytes of the stage's file read (0 for the others)
    std::uint64_t total = 0;
};
// Return false to cancel (flower::Error "cancelled", nothing written).
using PrepareProgressFn = std::function<bool(const PrepareProgress&)>;

struct PrepareSummary {
    std::string out;
    std::string start, end;      // the window finally used
    std::int64_t items = 0, users = 0, train = 0, valid = 0, test = 0;
    std::int64_t skippedLines = 0;
    std::string manifest;        // prepare.json's text
};

PrepareSummary prepareAmazon(const PrepareOptions& options, const PrepareProgressFn& progress = {});

}  // namespace flower::prepare
