// Fills ResultTables from the run store. Both read each run's FINAL test evaluation (the
// evaluations rows of split "test" at the run's largest evaluated step). Metric names are the
// contract with core/eval (eval::storedMetrics, core/eval/README.md): ndcg and hr with k = K; dgu
// and mgu with k = K; entropy and ttr with k = 0.
//
// paperTable: the Flower paper's Table 4 — rows = paper row labels (paperRowLabel: SASRec,
// BIGRec, Temp, D3, IFairLRS, Flower, then Table 6's reward variants, then anything else in
// order of appearance), column groups = datasets in order of first appearance, columns NDCG@5,
// HR@5, DGU@10↓, MGU@10↓, H, TTR. Runs with one label on one dataset whose configs differ only
// in seed (and name, description, table_row) share a cell: mean ± sample std over the seeds.
// Two runs with one label on one dataset whose configs differ in anything else are an error
// naming both runs and the first differing field (give one a "table_row", or export apart).
// A run without DGU@10 / MGU@10 / H / TTR but with the same metric at k = 1 (SASRec: its top-1
// item per row, core/sasrec/top_item_evaluation.h) fills the cell with it, and the table gets a
// note saying so. Table 6 is this layout over the reward-variant runs.
// divergenceTable: the paper's Table 3 (RQ1) — the same rows and seed cells as paperTable,
// column groups Title and Token (per dataset: "<dataset> title" when there are several), each
// KL(T‖R), KL(R‖T), JS (T = target, R = the model's generations; all lower-is-better), from the
// evaluation metrics kl_tr_title, kl_rt_title, js_title, … (core/train/rq1_evaluator.h) of the
// run's last evaluation that has them (split "test" when the run has one, else "valid");
// `exact` reads their "_exact" forms (the teacher-forced distribution, no sampling noise).
// runsTable: one row per run ("#id name"), one column per metric of their final evaluations.
// Failure: flower::Error for an unknown run id or the ambiguity above.
#pragma once

#include "core/store/result_table.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flower::store {

class RunStore;

ResultTable paperTable(RunStore& store, const std::vector<std::int64_t>& runIds);
ResultTable divergenceTable(RunStore& store, const std::vector<std::int64_t>& runIds,
                            bool exact = false);
ResultTable runsTable(RunStore& store, const std::vector<std::int64_t>& runIds);

// Display name of a method: sasrec → SASRec, sft → BIGRec, sft_temperature → Temp, d3 → D3,
// ifairlrs → IFairLRS, flower → Flower (Table 4's rows, in this order); others unchanged.
std::string methodLabel(std::string_view method);

// The paper's row of a stored run, from its resolved config (core/store/README.md has the
// table): a non-empty "table_row" wins; otherwise method + evaluation.decoding (+ the reward
// variant for Flower): sasrec → SASRec; sft + beam → BIGRec, + temp → Temp, + d3 → D3;
// sft_temperature → Temp; ifairlrs → IFairLRS; flower → "Flower (R)", "Flower (÷ pref)",
// "Flower (+ log pref)" by reward.variant ("Flower" when the config names none). Any other
// decoding of a method adds it: "IFairLRS + Temp", "Flower (R) + D3", "BIGRec (free decoding)".
// `method` is the store's runs.method, used when the config has none. An unparsable config
// gives methodLabel(method).
std::string paperRowLabel(const std::string& configJson, std::string_view method);

// Table 4's row order (then Table 6's): the labels paperTable sorts first, in this order.
const std::vector<std::string>& paperRowOrder();

}  // namespace flower::store
