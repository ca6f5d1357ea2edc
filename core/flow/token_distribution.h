// The reference implementation's token-distribution JSON (e.g. ../shared/data/Movies_and_TV/
// reference_qwen2.5_token_distribution.json), written from a FlowTable:
//   "first"            -> {next step: log F(child)/F(root)}
//   key of a state     -> {next step: log F(child)/F(state)}
// For granularity 1 a state's key is its token ids joined by "-" and a step is one token id.
// For granularity n > 1 (the reference's logp_n files) a step is a chunk of ids joined by "-"
// and a state's key is its chunks joined by "@". The termination step is the termination id.
// Values are natural logs. JSON has no −∞, so zero-flow states and steps are left out (the
// reference never has them: it builds the tree from titles with a positive count).
#pragma once

#include "core/flow/flow_table.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace flower::flow {

// One state's row: its key and its steps (step key, natural-log reward), in tree order.
struct TokenDistributionRow {
    std::string key;
    std::vector<std::pair<std::string, double>> steps;
};

// The rows depth-first from "first"; children in ascending token order.
std::vector<TokenDistributionRow> tokenDistributionRows(const FlowTable& flows, int granularity = 1);

// The same as a JSON object (keys sorted, as nlohmann::json keeps them).
nlohmann::json tokenDistributionJson(const FlowTable& flows, int granularity = 1);

// Writes the rows to `path` as one JSON object in tree order ("first" first). Error when the
// file cannot be written.
void writeTokenDistribution(const FlowTable& flows, int granularity,
                            const std::filesystem::path& path);

}  // namespace flower::flow
