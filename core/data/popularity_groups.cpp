#include "core/data/popularity_groups.h"

#include "core/util/error.h"

namespace flower::data {

namespace {

void finish(GroupDistribution& d) {
    std::int64_t sum = 0;
    for (const auto c : d.counts) sum += c;
    d.shares.assign(d.counts.size(), 0.0);
    for (std::size_t g = 0; g < d.counts.size() && sum > 0; ++g) {
        // Same division as the reference (count / total in float64), so values match exactly.
        d.shares[g] = static_cast<double>(d.counts[g]) / static_cast<double>(sum);
    }
}

}  // namespace

PopularityGroups::PopularityGroups(const Popularity& popularity, int groupCount) {
    const std::vector<std::string> ranked = popularity.rankedTitles();
    if (groupCount < 1 || static_cast<std::size_t>(groupCount) > ranked.size()) {
        throw Error({"", 0, "groups"},
                    "expected a number of groups between 1 and the " +
                        std::to_string(ranked.size()) +
                        " distinct titles of the training histories, got " +
                        std::to_string(groupCount));
    }
    const std::size_t g = static_cast<std::size_t>(groupCount);
    const std::size_t base = ranked.size() / g;
    const std::size_t extra = ranked.size() % g;
    groups_.resize(g);
    std::size_t next = 0;
    for (std::size_t k = 0; k < g; ++k) {
        const std::size_t size = base + (k < extra ? 1 : 0);
        for (std::size_t i = 0; i < size; ++i, ++next) {
            groupOf_.emplace(ranked[next], static_cast<int>(k));
            groups_[k].push_back(ranked[next]);
        }
    }
}

std::vector<std::int64_t> PopularityGroups::sizes() const {
    std::vector<std::int64_t> out;
    for (const auto& group : groups_) out.push_back(static_cast<std::int64_t>(group.size()));
    return out;
}

int PopularityGroups::groupOf(std::string_view title) const {
    const auto it = groupOf_.find(std::string(title));
    return it == groupOf_.end() ? -1 : it->second;
}

GroupDistribution PopularityGroups::historyDistribution(const Catalog& catalog,
                                                        const InteractionSplit& split) const {
    // One lookup per item id rather than per history position.
    std::vector<int> groupOfId(catalog.size());
    for (std::size_t id = 0; id < catalog.size(); ++id) {
        groupOfId[id] = groupOf(catalog.title(static_cast<ItemId>(id)));
    }
    GroupDistribution d;
    d.counts.assign(groups_.size(), 0);
    for (const InteractionRow& row : split.rows()) {
        for (const ItemId id : row.history) {
            const int g = groupOfId[static_cast<std::size_t>(id)];
            g < 0 ? ++d.outside : ++d.counts[static_cast<std::size_t>(g)];
        }
    }
    finish(d);
    return d;
}

GroupDistribution PopularityGroups::targetDistribution(const Catalog& catalog,
                                                       const InteractionSplit& split) const {
    GroupDistribution d;
    d.counts.assign(groups_.size(), 0);
    for (const InteractionRow& row : split.rows()) {
        const int g = groupOf(catalog.title(row.target));
        g < 0 ? ++d.outside : ++d.counts[static_cast<std::size_t>(g)];
    }
    finish(d);
    return d;
}

}  // namespace flower::data
