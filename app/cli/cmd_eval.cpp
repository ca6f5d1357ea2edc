// `flower metrics`: the paper's accuracy / fairness / diversity metrics of a predictions file
// (the reference's layout, core/eval/predictions_file.h) against a dataset, as JSON on stdout.
// Formulas and the reference's quirks: core/eval/README.md.
#include "command.h"

#include "core/data/dataset.h"
#include "core/eval/predictions_file.h"
#include "core/eval/recommendation_evaluation.h"
#include "core/eval/title_catalogue.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

struct MetricsArgs {
    std::string dataset;
    std::string category;
    std::string predictions;
    std::vector<int> ks = {1, 3, 5, 10, 20};
    std::vector<std::string> quirks;
    std::string rank = "last";
    int groups = 8;
    std::size_t length = 0;
};

void runMetrics(const MetricsArgs& a) {
    using namespace flower::eval;
    MetricsOptions options;
    options.ks = a.ks;
    options.match = a.rank == "first" ? MatchRule::First : MatchRule::Last;
    for (const auto& q : a.quirks) options.enableQuirk(q);
    // Read the predictions first: a malformed file is the likelier mistake and reads faster.
    const PredictionsFile predictions = PredictionsFile::read(a.predictions, a.length);
    const flower::data::Dataset dataset = flower::data::loadDataset(a.dataset, a.category);
    const TitleCatalogue catalogue(dataset, a.groups);
    const auto rows = recommendationRows(predictions);
    const RecommendationReport report = evaluateRecommendations(rows, catalogue, options);
    nlohmann::ordered_json out;
    out["predictions"] = a.predictions;
    out["dataset"] = a.dataset;
    out.update(reportJson(report));
    std::printf("%s\n", out.dump(2).c_str());
}

const flower::cli::Registration kMetrics(50, [](CLI::App& root) {
    auto a = std::make_shared<MetricsArgs>();
    auto* cmd = root.add_subcommand(
        "metrics",
        "Accuracy, fairness and diversity of top-K lists (NDCG@K, HR@K, DGU@K, MGU@K, word "
        "entropy, TTR, CC, distinct titles, coverage@K, Gini@K, tail share@K, group shares) "
        "as the Flower reference's calc.py computes them; JSON on stdout");
    cmd->add_option("--dataset", a->dataset,
                    "Dataset folder (catalogue, training histories for the popularity groups)")
        ->required();
    cmd->add_option("--category", a->category,
                    "Category of the Flower layout (e.g. Movies_and_TV) when the folder holds several");
    cmd->add_option("--predictions", a->predictions,
                    "Predictions JSON: [{\"output\": target, \"predict\": [titles], ...}]")
        ->required();
    cmd->add_option("--k", a->ks, "Cut-offs K, comma-separated")
        ->delimiter(',')
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--quirks", a->quirks,
                    "Reference behaviours to reproduce, comma-separated: group7_assign "
                    "(calc.py's group_num['7'] = 1 for a title in no group)")
        ->delimiter(',');
    cmd->add_option("--rank", a->rank,
                    "Rank of a target listed twice: last (calc.py) or first position")
        ->capture_default_str()
        ->check(CLI::IsMember({"last", "first"}));
    cmd->add_option("--groups", a->groups, "Number of popularity groups")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--length", a->length,
                    "Required length of every title list (default: the first entry's)")
        ->check(CLI::Range(1, 1000000));
    cmd->callback([a] { runMetrics(*a); });
});

}  // namespace
