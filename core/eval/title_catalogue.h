// TitleCatalogue: what the recommendation metrics need to know about a dataset's titles — which
// generated titles are catalogue titles (CC, coverage, Gini) and which popularity group a title
// belongs to (DGU/MGU, tail share, group histograms), with the group shares of the training
// histories and targets they are compared with.
//   - catalogue membership compares normalised titles: the reference's calc.py strips the
//     items file's names (normaliseCatalogueTitle) and the generated ones;
//   - group lookup is by the title as written in the training data (the reference's
//     group_title_8.json holds raw titles), here data::PopularityGroups built from the
//     training histories: group 0 the most popular; a catalogue title in no group (never in a
//     training history) belongs to the least popular group, G − 1;
//   - history shares: every training history position, by its title's group (all are in a
//     group, the groups being made of history titles) — the reference's hard-coded gh_genre;
//   - target shares: the training targets, those in no group counted in group G − 1 (the rule
//     the recommended titles follow, so that the three histograms compare alike).
// Immutable after construction, thread-safe to read.
// Failure: flower::Error from PopularityGroups (fewer distinct history titles than groups).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flower::data {
struct Dataset;
}  // namespace flower::data

namespace flower::eval {

class TitleCatalogue {
public:
    // From a dataset: popularity groups of its training histories (`groupCount`, 8 as the paper).
    explicit TitleCatalogue(const data::Dataset& dataset, int groupCount = 8);
    // Explicit parts (tests): catalogue titles, groups[g] = titles of group g (most popular
    // first), and the two reference distributions (each of size groups.size()).
    TitleCatalogue(const std::vector<std::string>& titles,
                   const std::vector<std::vector<std::string>>& groups,
                   std::vector<double> historyShares, std::vector<double> targetShares);

    // A normalised title is a catalogue title.
    bool contains(std::string_view normalisedTitle) const;
    // Group of a title (-1 when it is in no group).
    int groupOf(std::string_view title) const;
    int groupCount() const { return static_cast<int>(historyShares_.size()); }

    // Distinct normalised catalogue titles, in catalogue order of first appearance.
    const std::vector<std::string>& distinctTitles() const { return distinct_; }
    // Index of a normalised catalogue title in distinctTitles(), or -1.
    std::ptrdiff_t indexOf(std::string_view normalisedTitle) const;

    const std::vector<double>& historyShares() const { return historyShares_; }
    const std::vector<double>& targetShares() const { return targetShares_; }

private:
    void addTitles(const std::vector<std::string>& titles);
    void addGroups(const std::vector<std::vector<std::string>>& groups);

    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::vector<std::string> distinct_;
    std::unordered_map<std::string, std::ptrdiff_t, Hash, std::equal_to<>> index_;
    std::unordered_map<std::string, int, Hash, std::equal_to<>> group_;
    std::vector<double> historyShares_;
    std::vector<double> targetShares_;
};

}  // namespace flower::eval
