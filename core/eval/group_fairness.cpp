#include "core/eval/group_fairness.h"

#include "core/eval/title_catalogue.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>

namespace flower::eval {

int tailGroupCount(int groupCount) { return (3 * groupCount + 7) / 8; }

GroupFairness groupFairness(std::span<const std::vector<std::string>> lists, int k,
                            const TitleCatalogue& catalogue, const GroupFairnessOptions& options) {
    if (k < 1) throw Error({"", 0, "k"}, "expected a cut-off K ≥ 1, got " + std::to_string(k));
    const int groups = catalogue.groupCount();
    const std::size_t last = static_cast<std::size_t>(groups - 1);
    GroupFairness f;
    f.counts.assign(static_cast<std::size_t>(groups), 0);
    for (const auto& list : lists) {
        const std::size_t n = std::min(list.size(), static_cast<std::size_t>(k));
        for (std::size_t i = 0; i < n; ++i) {
            if (!catalogue.contains(list[i])) {
                ++f.outsideCatalogue;
                continue;
            }
            const int g = catalogue.groupOf(list[i]);
            if (g >= 0) {
                ++f.counts[static_cast<std::size_t>(g)];
            } else {
                ++f.outsideGroups;
                f.counts[last] = options.referenceGroup7Assign ? 1 : f.counts[last] + 1;
            }
        }
    }
    std::int64_t total = 0;
    for (const auto c : f.counts) total += c;
    const auto& history = catalogue.historyShares();
    f.shares.assign(f.counts.size(), 0.0);
    f.differences.assign(f.counts.size(), 0.0);
    double sumAbs = 0.0;
    for (std::size_t g = 0; g < f.counts.size(); ++g) {
        // count / total in float64 like calc.py's v / total_sum, so the values match exactly.
        if (total > 0) f.shares[g] = static_cast<double>(f.counts[g]) / static_cast<double>(total);
        f.differences[g] = f.shares[g] - history[g];
        sumAbs += std::abs(f.differences[g]);
    }
    const auto [lo, hi] = std::minmax_element(f.differences.begin(), f.differences.end());
    f.dgu = *hi - *lo;
    f.mgu = sumAbs / static_cast<double>(f.differences.size());
    for (int g = groups - tailGroupCount(groups); g < groups; ++g) {
        f.tailShare += f.shares[static_cast<std::size_t>(g)];
    }
    return f;
}

}  // namespace flower::eval
