#include "core/sasrec/top_item_evaluation.h"

#include "core/data/dataset.h"
#include "core/eval/title_catalogue.h"
#include "core/util/error.h"

namespace flower::sasrec {

eval::RecommendationReport evaluateTopItems(const data::Dataset& dataset,
                                            const data::InteractionSplit& split,
                                            const std::vector<std::int64_t>& top) {
    if (top.size() != split.size()) {
        throw Error({split.name(), 0, "top"},
                    "expected one top item per row (" + std::to_string(split.size()) +
                        "), got " + std::to_string(top.size()));
    }
    std::vector<eval::RecommendationRow> rows;
    rows.reserve(top.size());
    for (std::size_t r = 0; r < top.size(); ++r) {
        const auto& row = split.rows()[r];
        if (!dataset.catalog.contains(top[r]) || !dataset.catalog.contains(row.target)) {
            throw Error({split.name(), row.line, "item"},
                        "item id outside the catalogue of " + std::to_string(dataset.catalog.size()) +
                            " items");
        }
        rows.push_back({{dataset.catalog.title(top[r])}, dataset.catalog.title(row.target), false});
    }
    eval::MetricsOptions options;
    options.ks = {1};
    return eval::evaluateRecommendations(rows, eval::TitleCatalogue(dataset), options);
}

std::vector<eval::NamedMetric> topItemMetrics(const eval::RecommendationReport& report) {
    std::vector<eval::NamedMetric> out;
    for (auto m : eval::storedMetrics(report)) {
        if (m.metric == "ndcg" || m.metric == "hr") {
            continue;  // SASRec's accuracy is its full ranking's
        }
        m.k = 1;  // the whole-list figures (k = 0) are here the top-1 item's
        out.push_back(m);
    }
    return out;
}

}  // namespace flower::sasrec
