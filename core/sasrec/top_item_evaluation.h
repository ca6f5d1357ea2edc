// The fairness and diversity figures of SASRec, as the reference computes them
// (train_and_get_logits.py, evaluate_games): from each row's TOP-1 item only — its popularity
// group (DGU/MGU against the training-history shares) and the words of its title (entropy H,
// TTR) — through core/eval, so the figures follow the same rules as every LLM row (titles
// normalised as calc.py does, a title in no group counted in the least popular one).
// Stored names (topItemMetrics): every figure at k = 1, so a reader never takes them for a
// top-10 list's: "dgu"@1, "mgu"@1, "tail_share"@1, "coverage"@1, "gini"@1, "entropy"@1, "ttr"@1,
// "cc"@1, "distinct_titles"@1. NDCG/HR are not among them: SASRec's own full-ranking values
// (sasrec_evaluation.h) are the row's accuracy. The group histograms are eval::groupHistograms.
// Failure: flower::Error when `top` and the split differ in length or an id is outside the
// catalogue.
#pragma once

#include "core/eval/recommendation_evaluation.h"

#include <cstdint>
#include <vector>

namespace flower::data {
struct Dataset;
class InteractionSplit;
}  // namespace flower::data

namespace flower::sasrec {

// `top[r]` = the top-ranked item of row r of `split` (RankingEvaluation::top).
eval::RecommendationReport evaluateTopItems(const data::Dataset& dataset,
                                            const data::InteractionSplit& split,
                                            const std::vector<std::int64_t>& top);

// The report's fairness/diversity metrics under their stored names (all at k = 1, see above).
std::vector<eval::NamedMetric> topItemMetrics(const eval::RecommendationReport& report);

}  // namespace flower::sasrec
