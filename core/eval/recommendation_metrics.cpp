#include "core/eval/recommendation_metrics.h"

#include "core/util/error.h"

#include <cmath>

namespace flower::eval {

void checkCutoffs(std::span<const int> ks) {
    if (ks.empty()) throw Error({"", 0, "k"}, "expected at least one cut-off K");
    for (const int k : ks) {
        if (k < 1) throw Error({"", 0, "k"}, "expected cut-offs K ≥ 1, got " + std::to_string(k));
    }
}

AccuracyAtK accuracyAtK(std::span<const std::vector<std::string>> lists,
                        std::span<const std::string> targets, std::span<const int> ks,
                        MatchRule rule) {
    checkCutoffs(ks);
    if (lists.empty()) throw Error({"", 0, "predict"}, "no rows to evaluate");
    if (targets.size() != lists.size()) {
        throw Error({"", 0, "output"}, "expected one target per row (" +
                                           std::to_string(lists.size()) + " rows, " +
                                           std::to_string(targets.size()) + " targets)");
    }
    AccuracyAtK out;
    out.ks.assign(ks.begin(), ks.end());
    out.ndcg.assign(ks.size(), 0.0);
    out.hr.assign(ks.size(), 0.0);
    for (std::size_t r = 0; r < lists.size(); ++r) {
        int rank = -1;
        for (std::size_t i = 0; i < lists[r].size(); ++i) {
            if (lists[r][i] == targets[r] && (rule == MatchRule::Last || rank < 0)) {
                rank = static_cast<int>(i);
            }
        }
        out.ranks.push_back(rank);
        if (rank < 0) continue;
        for (std::size_t k = 0; k < ks.size(); ++k) {
            if (rank < ks[k]) {
                // calc.py: 1/ln(r+2), divided by 1/ln 2 at the end; the same value as 1/log2.
                out.ndcg[k] += 1.0 / std::log(rank + 2.0);
                out.hr[k] += 1.0;
            }
        }
    }
    const double n = static_cast<double>(lists.size());
    for (std::size_t k = 0; k < ks.size(); ++k) {
        out.ndcg[k] = out.ndcg[k] / n / (1.0 / std::log(2.0));
        out.hr[k] /= n;
    }
    return out;
}

}  // namespace flower::eval
