#include "core/eval/title_catalogue.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/eval/title_text.h"
#include "core/util/error.h"

namespace flower::eval {

TitleCatalogue::TitleCatalogue(const data::Dataset& dataset, int groupCount) {
    const data::Popularity popularity(dataset.catalog, dataset.train);
    const data::PopularityGroups groups(popularity, groupCount);
    addTitles(dataset.catalog.titles());
    addGroups(groups.groups());
    historyShares_ = groups.historyDistribution(dataset.catalog, dataset.train).shares;
    data::GroupDistribution targets = groups.targetDistribution(dataset.catalog, dataset.train);
    targets.counts.back() += targets.outside;  // never-seen targets: the least popular group
    std::int64_t total = 0;
    for (const auto c : targets.counts) total += c;
    targetShares_.assign(targets.counts.size(), 0.0);
    for (std::size_t g = 0; g < targets.counts.size() && total > 0; ++g) {
        targetShares_[g] = static_cast<double>(targets.counts[g]) / static_cast<double>(total);
    }
}

TitleCatalogue::TitleCatalogue(const std::vector<std::string>& titles,
                               const std::vector<std::vector<std::string>>& groups,
                               std::vector<double> historyShares, std::vector<double> targetShares)
    : historyShares_(std::move(historyShares)), targetShares_(std::move(targetShares)) {
    if (groups.empty() || historyShares_.size() != groups.size() ||
        targetShares_.size() != groups.size()) {
        throw Error({"", 0, "groups"},
                    "expected at least one group and one history and target share per group (" +
                        std::to_string(groups.size()) + " groups, " +
                        std::to_string(historyShares_.size()) + " history and " +
                        std::to_string(targetShares_.size()) + " target shares)");
    }
    addTitles(titles);
    addGroups(groups);
}

void TitleCatalogue::addTitles(const std::vector<std::string>& titles) {
    for (const std::string& t : titles) {
        std::string n = normaliseCatalogueTitle(t);
        if (index_.find(n) == index_.end()) {
            index_.emplace(n, static_cast<std::ptrdiff_t>(distinct_.size()));
            distinct_.push_back(std::move(n));
        }
    }
}

void TitleCatalogue::addGroups(const std::vector<std::vector<std::string>>& groups) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
        for (const std::string& t : groups[g]) group_.emplace(t, static_cast<int>(g));
    }
}

bool TitleCatalogue::contains(std::string_view normalisedTitle) const {
    return index_.find(normalisedTitle) != index_.end();
}

std::ptrdiff_t TitleCatalogue::indexOf(std::string_view normalisedTitle) const {
    const auto it = index_.find(normalisedTitle);
    return it == index_.end() ? -1 : it->second;
}

int TitleCatalogue::groupOf(std::string_view title) const {
    const auto it = group_.find(title);
    return it == group_.end() ? -1 : it->second;
}

}  // namespace flower::eval
