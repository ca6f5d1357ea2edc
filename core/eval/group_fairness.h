// GroupFairness: how far the popularity mix of the recommendations is from that of the
// training histories — the paper's DGU and MGU (Mr-Peach0301/Flower calc.py), plus tail share.
// Over the first K titles of every list (the whole list when shorter), for G popularity groups:
//   - a title outside the catalogue is not counted (it counts in CC instead);
//   - a catalogue title counts in its group, or in the least popular group G − 1 when it is in
//     no group (never in a training history);
//   - share_g = count_g / Σ counts;  d_g = share_g − history_g (TitleCatalogue::historyShares)
//   - DGU@K = max_g d_g − min_g d_g;  MGU@K = (1/G) Σ_g |d_g|
//   - tail share@K = Σ share_g over the last ⌈3G/8⌉ groups (groups 5–7 of 8).
// Reference quirks, off by default (GroupFairnessOptions):
//   - referenceGroup7Assign: calc.py writes `group_num['7'] = 1` for a title in no group, so
//     group 7's count is *reset* to 1 each time (earlier group-7 titles are lost) instead of
//     incremented. Reproduced in list order. The golden of the paper's numbers
//     (metrics-golden-movies) has no such title, so both forms give its values.
//   - not reproducible: a group that no title falls in is absent from calc.py's dict, its list
//     of shares is shorter than 8 and the loop over gh_genre raises IndexError; here its share
//     is 0.
// Pure function, thread-safe. Failure: flower::Error for K < 1.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flower::eval {

class TitleCatalogue;

struct GroupFairnessOptions {
    bool referenceGroup7Assign = false;  // calc.py's `group_num['7'] = 1`
};

struct GroupFairness {
    std::vector<std::int64_t> counts;  // titles per group
    std::vector<double> shares;        // counts / Σ counts (all 0 when nothing was counted)
    std::vector<double> differences;   // shares − history shares
    double dgu = 0.0;
    double mgu = 0.0;
    double tailShare = 0.0;
    std::int64_t outsideGroups = 0;     // catalogue titles in no group (counted in G − 1)
    std::int64_t outsideCatalogue = 0;  // titles not counted at all
};

// Number of tail groups of G: ⌈3G/8⌉ (3 of 8).
int tailGroupCount(int groupCount);

// lists[r]: normalised titles of row r (title_text.h), rank 1 first.
GroupFairness groupFairness(std::span<const std::vector<std::string>> lists, int k,
                            const TitleCatalogue& catalogue,
                            const GroupFairnessOptions& options = {});

}  // namespace flower::eval
