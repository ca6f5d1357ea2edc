#include "core/sasrec/ranking_metrics.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>

namespace flower::sasrec {

std::int64_t targetRank(std::span<const float> scores, std::int64_t target) {
    const float t = scores[static_cast<std::size_t>(target)];
    std::int64_t rank = 0;
    const auto n = static_cast<std::int64_t>(scores.size());
    for (std::int64_t j = 0; j < n; ++j) {
        const float s = scores[static_cast<std::size_t>(j)];
        rank += (s > t) | ((s == t) & (j > target));
    }
    return rank;
}

std::int64_t topItem(std::span<const float> scores) {
    std::int64_t best = 0;
    for (std::size_t j = 1; j < scores.size(); ++j) {
        if (scores[j] >= scores[static_cast<std::size_t>(best)]) best = static_cast<std::int64_t>(j);
    }
    return best;
}

RankingMetrics::RankingMetrics(std::vector<int> ks)
    : ks_(std::move(ks)), hits_(ks_.size(), 0.0), gains_(ks_.size(), 0.0) {}

void RankingMetrics::add(std::int64_t rank) {
    const double gain = 1.0 / std::log2(static_cast<double>(rank) + 2.0);
    for (std::size_t i = 0; i < ks_.size(); ++i) {
        if (rank < ks_[i]) {
            hits_[i] += 1.0;
            gains_[i] += gain;
        }
    }
    ++rows_;
}

void RankingMetrics::addAll(std::span<const std::int64_t> ranks) {
    for (const auto r : ranks) add(r);
}

std::size_t RankingMetrics::indexOf(int k) const {
    const auto it = std::find(ks_.begin(), ks_.end(), k);
    if (it == ks_.end()) throw Error({"", 0, "k"}, "K = " + std::to_string(k) + " was not evaluated");
    return static_cast<std::size_t>(it - ks_.begin());
}

double RankingMetrics::hr(int k) const {
    return rows_ == 0 ? 0.0 : hits_[indexOf(k)] / static_cast<double>(rows_);
}

double RankingMetrics::ndcg(int k) const {
    return rows_ == 0 ? 0.0 : gains_[indexOf(k)] / static_cast<double>(rows_);
}

}  // namespace flower::sasrec
