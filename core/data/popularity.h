// Item popularity as Flower defines its reward: the number of times a title occurs in the
// training histories (history_item_title of train.csv, every position of every row). Keyed by
// title (the prefix tree works on titles) and, derived from it, by item id (two ids sharing a
// title share its count). Titles keep the order of first appearance (row by row, each history
// left to right), which is what breaks ties between equally popular titles.
#pragma once

#include "core/data/catalog.h"
#include "core/data/interaction_split.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flower::data {

class Popularity {
public:
    Popularity(const Catalog& catalog, const InteractionSplit& train);

    // Distinct titles of the training histories, in order of first appearance.
    const std::vector<std::string>& titles() const { return titles_; }
    // counts()[k] = occurrences of titles()[k].
    const std::vector<std::int64_t>& counts() const { return counts_; }
    // Occurrences of a title in training histories; 0 when it never occurs.
    std::int64_t reward(std::string_view title) const;
    // Reward of every item id (size = catalog size): the count of the item's title.
    const std::vector<std::int64_t>& itemRewards() const { return itemRewards_; }
    // Total number of history positions counted (sum of counts()).
    std::int64_t total() const { return total_; }
    // Titles by count descending; ties keep first-appearance order.
    std::vector<std::string> rankedTitles() const;

private:
    std::vector<std::string> titles_;
    std::vector<std::int64_t> counts_;
    std::unordered_map<std::string_view, std::size_t> index_;  // views into titles_
    std::vector<std::int64_t> itemRewards_;
    std::int64_t total_ = 0;
};

}  // namespace flower::data
