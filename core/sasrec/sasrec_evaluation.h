// Full-ranking evaluation of a SasRec model on one split: every row's scores over all items
// (evaluation mode: no dropout), the target's rank, HR@K / NDCG@K (ranking_metrics.h) and the
// top-1 item of each row (the reference's fairness/diversity figures for SASRec use it).
#pragma once

#include "core/sasrec/ranking_metrics.h"
#include "core/sasrec/sasrec_model.h"
#include "core/sasrec/sequence_tensors.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace flower::sasrec {

struct RankingEvaluation {
    RankingMetrics metrics;
    std::vector<std::int64_t> ranks;  // [N] the target's rank per row
    std::vector<std::int64_t> top;    // [N] the top-ranked item per row
};

// Raw scores of every item for every row: [N, items] float32 on the CPU, in row order.
at::Tensor scoreRows(SasRecImpl& model, const SequenceTensors& rows, std::int64_t batchSize = 1024);

// Ranks, metrics and top items of `scores` [N, items] float32 against `targets` [N].
RankingEvaluation rankScores(const at::Tensor& scores, const at::Tensor& targets,
                             const std::vector<int>& ks = {1, 3, 5, 10, 20});

// scoreRows and rankScores, batch by batch (the [N, items] scores are never held at once).
RankingEvaluation evaluateRanking(SasRecImpl& model, const SequenceTensors& rows,
                                  const std::vector<int>& ks = {1, 3, 5, 10, 20},
                                  std::int64_t batchSize = 1024);

}  // namespace flower::sasrec
