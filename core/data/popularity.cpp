#include "core/data/popularity.h"

#include <algorithm>
#include <numeric>

namespace flower::data {

Popularity::Popularity(const Catalog& catalog, const InteractionSplit& train) {
    // Count per catalog title first (ids → first id of their title) so the loop does no hashing.
    std::vector<std::int64_t> byCanonical(catalog.size(), 0);
    std::vector<ItemId> order;  // canonical ids in first-appearance order
    for (const InteractionRow& row : train.rows()) {
        for (const ItemId id : row.history) {
            const ItemId canonical = catalog.firstIdOfTitle(catalog.title(id));
            if (byCanonical[static_cast<std::size_t>(canonical)]++ == 0) {
                order.push_back(canonical);
            }
        }
    }
    titles_.reserve(order.size());
    counts_.reserve(order.size());
    for (const ItemId id : order) {
        titles_.push_back(catalog.title(id));
        counts_.push_back(byCanonical[static_cast<std::size_t>(id)]);
        total_ += counts_.back();
    }
    for (std::size_t k = 0; k < titles_.size(); ++k) {
        index_.emplace(titles_[k], k);
    }
    itemRewards_.resize(catalog.size());
    for (std::size_t id = 0; id < catalog.size(); ++id) {
        const ItemId canonical = catalog.firstIdOfTitle(catalog.title(static_cast<ItemId>(id)));
        itemRewards_[id] = byCanonical[static_cast<std::size_t>(canonical)];
    }
}

std::int64_t Popularity::reward(std::string_view title) const {
    const auto it = index_.find(title);
    return it == index_.end() ? 0 : counts_[it->second];
}

std::vector<std::string> Popularity::rankedTitles() const {
    std::vector<std::size_t> order(titles_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return counts_[a] > counts_[b]; });
    std::vector<std::string> out;
    out.reserve(order.size());
    for (const std::size_t k : order) {
        out.push_back(titles_[k]);
    }
    return out;
}

}  // namespace flower::data
