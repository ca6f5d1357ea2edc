// Popularity groups as the Flower reference builds them (DGU/MGU fairness metrics): titles of
// the training histories ranked by reward (ties: first appearance), cut into G groups of
// near-equal size, group 0 the most popular; with n titles the first n mod G groups hold one
// extra. Also the share of each group among training history positions (the reference
// distribution DGU/MGU compare against) and among training targets.
// Failure: flower::Error when G < 1 or G exceeds the number of distinct titles.
#pragma once

#include "core/data/catalog.h"
#include "core/data/interaction_split.h"
#include "core/data/popularity.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flower::data {

struct GroupDistribution {
    std::vector<std::int64_t> counts;  // items per group
    std::int64_t outside = 0;          // items whose title is in no group (never in a history)
    std::vector<double> shares;        // counts[g] / sum(counts); `outside` is not in the sum
};

class PopularityGroups {
public:
    PopularityGroups(const Popularity& popularity, int groupCount);

    int count() const { return static_cast<int>(groups_.size()); }
    // groups()[g]: the titles of group g, most popular first.
    const std::vector<std::vector<std::string>>& groups() const { return groups_; }
    std::vector<std::int64_t> sizes() const;
    // Group of a title, or -1 when it never occurs in a training history.
    int groupOf(std::string_view title) const;

    // Group shares of every history position of `split`.
    GroupDistribution historyDistribution(const Catalog& catalog,
                                          const InteractionSplit& split) const;
    // Group shares of the targets (next items) of `split`.
    GroupDistribution targetDistribution(const Catalog& catalog,
                                         const InteractionSplit& split) const;

private:
    std::vector<std::vector<std::string>> groups_;
    std::unordered_map<std::string, int> groupOf_;
};

}  // namespace flower::data
