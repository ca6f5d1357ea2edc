// RecommendationMetrics: accuracy of top-K lists against the held-out next item, as the
// reference's calc.py computes it (Mr-Peach0301/Flower with_history/code/calc.py):
//   - titles are compared exactly after normalisation (title_text.h);
//   - the rank r (0-based) of a row is the LAST list position holding the target
//     (calc.py overwrites minID at every match; MatchRule::First takes the first instead —
//     they differ only for a list that repeats the target);
//   - HR@K   = (1/N) Σ_rows [r < K]
//   - NDCG@K = (1/N) Σ_rows [r < K] / log2(r + 2)    (one relevant item: IDCG = 1)
//   - a K larger than the list counts the whole list (HR@20 = HR@10 for 10 titles).
// Pure function of its input, thread-safe. Failure: flower::Error for no rows, no cut-off, a
// cut-off < 1, or as many targets as rows not given.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace flower::eval {

enum class MatchRule { Last, First };

struct AccuracyAtK {
    std::vector<int> ks;
    std::vector<double> ndcg;  // ndcg[i] at ks[i]
    std::vector<double> hr;
    std::vector<int> ranks;    // per row: 0-based rank of the target, -1 when absent
};

// lists[r]: the normalised titles of row r, rank 1 first; targets[r] its normalised target.
AccuracyAtK accuracyAtK(std::span<const std::vector<std::string>> lists,
                        std::span<const std::string> targets, std::span<const int> ks,
                        MatchRule rule = MatchRule::Last);

// Error unless ks is non-empty and every K ≥ 1 (shared by the metrics with a cut-off).
void checkCutoffs(std::span<const int> ks);

}  // namespace flower::eval
