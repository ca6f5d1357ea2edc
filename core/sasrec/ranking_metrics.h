// RankingMetrics: HR@K and NDCG@K of full-ranking evaluation over all items, as the
// reference's evaluate_games computes them for SASRec (no history exclusion):
//   rank   = the target's 0-based position when the row's scores are sorted descending;
//   HR@K   = mean over rows of [rank < K];
//   NDCG@K = mean over rows of [rank < K] / log2(rank + 2)   (one relevant item: IDCG = 1).
// Ties: the reference ranks with torch.argsort(argsort(·)), whose order among equal scores is
// unspecified; here a tie goes to the higher item id (a stable ascending sort's order), i.e.
// rank = #{j : s_j > s_t} + #{j > t : s_j = s_t}.
// (The title-based metrics of LLM recommenders, and DGU/MGU/entropy/TTR, live in core/eval.)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace flower::sasrec {

// The rank of item `target` in one row of scores (see above).
std::int64_t targetRank(std::span<const float> scores, std::int64_t target);
// The top-ranked item of one row (rank 0 under the same tie rule: the highest id among the maxima).
std::int64_t topItem(std::span<const float> scores);

class RankingMetrics {
public:
    explicit RankingMetrics(std::vector<int> ks = {1, 3, 5, 10, 20});

    void add(std::int64_t rank);
    void addAll(std::span<const std::int64_t> ranks);

    const std::vector<int>& ks() const { return ks_; }
    std::int64_t rows() const { return rows_; }
    // Means over the rows added so far (0 when none); `k` must be one of ks().
    double hr(int k) const;
    double ndcg(int k) const;

private:
    std::size_t indexOf(int k) const;

    std::vector<int> ks_;
    std::vector<double> hits_, gains_;
    std::int64_t rows_ = 0;
};

}  // namespace flower::sasrec
