// Rq1Target: the target set of the paper's RQ1 history-free distribution fitting — titles with
// positive counts. Two sources:
//   - a JSON object {title: count} (the reference's select_100_Movies.json), read in file order;
//   - a dataset's own training-history counts (data::Popularity: occurrences of each title in
//     the histories of the train split, first-appearance order; titles that never occur are not
//     in the set). This is what a synthetic dataset, which has no folder, fits.
// Rule for the experiment field `rq1_target` (see resolveRq1Target): "" = the dataset's history
// counts; otherwise a file relative to the dataset folder (an absolute path as is).
// Value type. Failure (flower::Error naming file and field): an unreadable file, invalid JSON,
// not an object, no titles, a count that is not a number > 0, a title given twice, an empty
// title, a file named for a synthetic dataset.
#pragma once

#include "core/text/token_id.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flower::data {
struct Dataset;
}
namespace flower::text {
class Tokenizer;
}

namespace flower::train {

struct Rq1Target {
    std::vector<std::string> titles;  // in source order
    std::vector<double> counts;       // counts[i] > 0 for titles[i]
    std::string source;               // the file, or "training histories"

    std::size_t size() const { return titles.size(); }
    double total() const;
};

Rq1Target readRq1Target(const std::filesystem::path& file);
Rq1Target rq1TargetFromHistories(const data::Dataset& dataset);

// `field` as in the experiment config; `datasetDir` empty for a synthetic dataset. `dataset` is
// only read when `field` is empty (a target file needs no dataset: the RQ1 data folder
// Movies_history_free holds no CSV files); Error when it is then null.
Rq1Target resolveRq1Target(const std::string& field, const std::filesystem::path& datasetDir,
                           const data::Dataset* dataset);

// The target of an experiment's `dataset` (folder, name or synthetic spec) and `rq1_target`
// field. Fills `dataset` only where it is read: a synthetic spec (generated), or an empty field
// (the folder's histories); a target file never needs the folder's CSV files.
Rq1Target configuredRq1Target(const std::string& datasetSpec, const std::string& field,
                              data::Dataset& dataset);

// Tokens of every target title, tokenized alone, termination excluded (tokenizer ids).
std::vector<std::vector<text::TokenId>> rq1TitleTokens(const Rq1Target& target,
                                                       const text::Tokenizer& tokenizer);

}  // namespace flower::train
