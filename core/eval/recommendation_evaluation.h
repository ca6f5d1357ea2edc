// RecommendationEvaluation: every metric of an evaluation of top-K lists in one report — what
// `flower metrics` prints and what a training run's evaluation stores:
//   accuracy  NDCG@K, HR@K                      (recommendation_metrics.h)
//   fairness  DGU@K, MGU@K, tail share@K        (group_fairness.h)
//   exposure  coverage@K, Gini@K                (exposure_metrics.h)
//   lexical   H, TTR, distinct titles, CC       (lexical_diversity.h; over the whole lists)
//   groups    recommended / training-history / training-target shares over the G groups
// Input: raw generated titles and targets (normalised here, title_text.h). Options default to
// the correct forms; MetricsOptions::referenceQuirks() is what the reference's calc.py does.
// Store names (the contract with core/store/table_builder and the GUI): metrics "ndcg", "hr",
// "dgu", "mgu", "coverage", "gini", "tail_share" with k = K; "entropy", "ttr", "cc",
// "distinct_titles" with k = 0; histograms kGroupsRecommended / kGroupsHistory /
// kGroupsTarget, bin g = group g (0 the most popular).
// Pure, thread-safe. Failure: flower::Error (no rows, bad cut-offs, targets ≠ rows).
#pragma once

#include "core/eval/group_fairness.h"
#include "core/eval/lexical_diversity.h"
#include "core/eval/recommendation_metrics.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace flower::eval {

class PredictionsFile;
class TitleCatalogue;

inline constexpr const char* kGroupsRecommended = "groups_recommended";
inline constexpr const char* kGroupsHistory = "groups_history";
inline constexpr const char* kGroupsTarget = "groups_target";

struct MetricsOptions {
    std::vector<int> ks = {1, 3, 5, 10, 20};
    MatchRule match = MatchRule::Last;  // calc.py's rule (the issue's: rank = last match)
    GroupFairnessOptions groups;

    // Names for the command line: "group7_assign" (GroupFairnessOptions).
    static std::vector<std::string> quirkNames();
    // Error naming the unknown quirk and the known ones.
    void enableQuirk(const std::string& name);
    std::vector<std::string> enabledQuirks() const;
};

// One row: the generated titles (rank 1 first) and the target, both as written.
struct RecommendationRow {
    std::vector<std::string> predicted;
    std::string target;
    bool targetIsListElement = false;  // from an "output" list: calc.py normalises it apart
};

struct MetricAtK {
    int k = 0;
    double dgu = 0.0, mgu = 0.0, tailShare = 0.0, coverage = 0.0, gini = 0.0;
};

struct RecommendationReport {
    std::int64_t rows = 0;
    std::size_t listLength = 0;     // longest list
    AccuracyAtK accuracy;
    std::vector<MetricAtK> atK;     // one per K, in options order
    LexicalDiversity lexical;
    GroupFairness groups;           // over the whole lists: the recommended histogram
    std::vector<double> historyShares;
    std::vector<double> targetShares;
    MatchRule match = MatchRule::Last;
    std::vector<std::string> quirks;
};

// A metric as the store's evaluations table keeps it.
struct NamedMetric {
    std::string metric;
    int k = 0;
    double value = 0.0;
};

struct NamedHistogram {
    std::string kind;
    std::vector<double> bins;
};

RecommendationReport evaluateRecommendations(std::span<const RecommendationRow> rows,
                                             const TitleCatalogue& catalogue,
                                             const MetricsOptions& options = {});
std::vector<RecommendationRow> recommendationRows(const PredictionsFile& predictions);

// Everything as JSON, keys as the metrics-golden fixture names them ("NDCG", "HR" by "K",
// "DGU@10", "word_entropy_bits", "TTR", "distinct_titles", "group_share_recommended",
// "group_share_training_histories") plus the rest (README.md of core/eval lists them).
nlohmann::ordered_json reportJson(const RecommendationReport& report);
std::vector<NamedMetric> storedMetrics(const RecommendationReport& report);
std::vector<NamedHistogram> groupHistograms(const RecommendationReport& report);

}  // namespace flower::eval
