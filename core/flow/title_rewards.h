// Title rewards as the reference stores them: a JSON object {title: count} (the file
// reference_title_interaction.json / select_100_Movies.json), and their mapping onto the titles
// of a TitleTrie. The data layer computes the same counts from train.csv; both end in the
// `TitleRewards` value here, so `flower flows` can take either source.
// Failure (flower::Error naming the file and title): unreadable or invalid JSON, a count that
// is not a finite number ≥ 0, a reward for a title the trie lacks.
#pragma once

#include "core/flow/title_trie.h"

#include <filesystem>
#include <string>
#include <vector>

namespace flower::flow {

// Titles with their rewards, in the order they were read.
struct TitleRewards {
    std::vector<std::string> titles;
    std::vector<double> values;
};

TitleRewards readTitleRewardsJson(const std::filesystem::path& path);

// The rewards as TitleItems (item id = position), to build a trie of exactly these titles.
std::vector<TitleItem> itemsOf(const TitleRewards& rewards);

// One reward per trie title: the reward of its title, 0 for titles absent from `rewards`.
// Error when `rewards` names a title the trie lacks.
std::vector<double> rewardsForTrie(const TitleTrie& trie, const TitleRewards& rewards);

}  // namespace flower::flow
