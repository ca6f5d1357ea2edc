// Fills ResultTables from the run store. Both read each run's FINAL test evaluation (the
// evaluations rows of split "test" at the run's largest evaluated step). Metric names are the
// contract with core/eval (eval::storedMetrics, core/eval/README.md): ndcg and hr with k = K; dgu
// and mgu with k = K; entropy and ttr with k = 0.
//
// paperTable: the Flower paper's Table 4 — rows = methods (SASRec, BIGRec, Temp, D3, IFairLRS,
// Flower, …), column groups = datasets in order of first appearance, columns NDCG@5, HR@5,
// DGU@10↓, MGU@10↓, H, TTR; runs of the same config that differ only in seed share a cell (mean ± std).
// Two different configs of one method on one dataset are an error (export them apart).
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
ResultTable runsTable(RunStore& store, const std::vector<std::int64_t>& runIds);

// Display name of a method: sasrec → SASRec, sft → BIGRec, sft_temperature → Temp, d3 → D3,
// ifairlrs → IFairLRS, flower → Flower (Table 4's rows, in this order); others unchanged.
std::string methodLabel(std::string_view method);

}  // namespace flower::store
