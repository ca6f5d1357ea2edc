#include "core/eval/recommendation_evaluation.h"

#include "core/eval/exposure_metrics.h"
#include "core/eval/predictions_file.h"
#include "core/eval/title_catalogue.h"
#include "core/eval/title_text.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace flower::eval {

namespace {
const char* const kGroup7Assign = "group7_assign";
}  // namespace

std::vector<std::string> MetricsOptions::quirkNames() { return {kGroup7Assign}; }

void MetricsOptions::enableQuirk(const std::string& name) {
    if (name == kGroup7Assign) {
        groups.referenceGroup7Assign = true;
        return;
    }
    std::string known;
    for (const auto& q : quirkNames()) known += (known.empty() ? "" : ", ") + q;
    throw Error({"", 0, "quirks"}, "unknown reference quirk \"" + name + "\" (known: " + known + ")");
}

std::vector<std::string> MetricsOptions::enabledQuirks() const {
    std::vector<std::string> out;
    if (groups.referenceGroup7Assign) out.emplace_back(kGroup7Assign);
    return out;
}

std::vector<RecommendationRow> recommendationRows(const PredictionsFile& predictions) {
    std::vector<RecommendationRow> rows;
    rows.reserve(predictions.size());
    for (const Prediction& p : predictions.rows()) {
        rows.push_back({p.predict, p.output, p.outputIsList});
    }
    return rows;
}

RecommendationReport evaluateRecommendations(std::span<const RecommendationRow> rows,
                                             const TitleCatalogue& catalogue,
                                             const MetricsOptions& options) {
    checkCutoffs(options.ks);
    std::vector<std::vector<std::string>> lists;
    std::vector<std::string> targets;
    lists.reserve(rows.size());
    targets.reserve(rows.size());
    RecommendationReport r;
    for (const RecommendationRow& row : rows) {
        std::vector<std::string> list;
        list.reserve(row.predicted.size());
        for (const auto& t : row.predicted) list.push_back(normaliseGeneratedTitle(t));
        r.listLength = std::max(r.listLength, list.size());
        lists.push_back(std::move(list));
        targets.push_back(row.targetIsListElement ? normaliseListTargetTitle(row.target)
                                                  : normaliseTargetTitle(row.target));
    }
    r.rows = static_cast<std::int64_t>(rows.size());
    r.accuracy = accuracyAtK(lists, targets, options.ks, options.match);
    for (const int k : options.ks) {
        const GroupFairness f = groupFairness(lists, k, catalogue, options.groups);
        const ExposureMetrics e = exposureMetrics(lists, k, catalogue);
        r.atK.push_back({k, f.dgu, f.mgu, f.tailShare, e.coverage, e.gini});
    }
    // The whole lists: what calc.py measures (its lists are as long as its largest K used).
    const int whole = static_cast<int>(std::max<std::size_t>(r.listLength, 1));
    r.lexical = lexicalDiversity(lists, catalogue, 0);
    r.groups = groupFairness(lists, whole, catalogue, options.groups);
    r.historyShares = catalogue.historyShares();
    r.targetShares = catalogue.targetShares();
    r.match = options.match;
    r.quirks = options.enabledQuirks();
    return r;
}

nlohmann::ordered_json reportJson(const RecommendationReport& r) {
    nlohmann::ordered_json j;
    j["rows"] = r.rows;
    j["list_length"] = r.listLength;
    j["K"] = r.accuracy.ks;
    j["NDCG"] = r.accuracy.ndcg;
    j["HR"] = r.accuracy.hr;
    for (const auto& m : r.atK) j["DGU@" + std::to_string(m.k)] = m.dgu;
    for (const auto& m : r.atK) j["MGU@" + std::to_string(m.k)] = m.mgu;
    j["word_entropy_bits"] = r.lexical.entropyBits;
    j["TTR"] = r.lexical.ttr;
    j["words"] = r.lexical.words;
    j["distinct_words"] = r.lexical.distinctWords;
    j["distinct_titles"] = r.lexical.distinctTitles;
    j["CC"] = r.lexical.outsideCatalogue;
    for (const auto& m : r.atK) j["coverage@" + std::to_string(m.k)] = m.coverage;
    for (const auto& m : r.atK) j["gini@" + std::to_string(m.k)] = m.gini;
    for (const auto& m : r.atK) j["tail_share@" + std::to_string(m.k)] = m.tailShare;
    j["group_share_recommended"] = r.groups.shares;
    j["group_count_recommended"] = r.groups.counts;
    j["titles_outside_groups"] = r.groups.outsideGroups;
    j["group_share_training_histories"] = r.historyShares;
    j["group_share_training_targets"] = r.targetShares;
    j["rank_rule"] = r.match == MatchRule::Last ? "last" : "first";
    j["quirks"] = r.quirks;
    return j;
}

std::vector<NamedMetric> storedMetrics(const RecommendationReport& r) {
    std::vector<NamedMetric> out;
    for (std::size_t i = 0; i < r.accuracy.ks.size(); ++i) {
        out.push_back({"ndcg", r.accuracy.ks[i], r.accuracy.ndcg[i]});
        out.push_back({"hr", r.accuracy.ks[i], r.accuracy.hr[i]});
    }
    for (const auto& m : r.atK) {
        out.push_back({"dgu", m.k, m.dgu});
        out.push_back({"mgu", m.k, m.mgu});
        out.push_back({"coverage", m.k, m.coverage});
        out.push_back({"gini", m.k, m.gini});
        out.push_back({"tail_share", m.k, m.tailShare});
    }
    out.push_back({"entropy", 0, r.lexical.entropyBits});
    out.push_back({"ttr", 0, r.lexical.ttr});
    out.push_back({"cc", 0, static_cast<double>(r.lexical.outsideCatalogue)});
    out.push_back({"distinct_titles", 0, static_cast<double>(r.lexical.distinctTitles)});
    return out;
}

std::vector<NamedHistogram> groupHistograms(const RecommendationReport& r) {
    return {{kGroupsRecommended, r.groups.shares},
            {kGroupsHistory, r.historyShares},
            {kGroupsTarget, r.targetShares}};
}

}  // namespace flower::eval
