// `flower dataset-stats` and `flower synth`: describe a dataset, write the synthetic one.
#include "command.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/data/synthetic_catalog.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

struct StatsOptions {
    std::string dataset;
    std::string category;
    int groups = 8;
    int top = 10;
};

nlohmann::ordered_json datasetStats(const StatsOptions& o) {
    using namespace flower::data;
    const Dataset d = loadDataset(o.dataset, o.category);
    const Popularity pop(d.catalog, d.train);
    const PopularityGroups groups(pop, o.groups);
    const GroupDistribution history = groups.historyDistribution(d.catalog, d.train);
    const GroupDistribution targets = groups.targetDistribution(d.catalog, d.train);

    nlohmann::ordered_json top = nlohmann::ordered_json::array();
    const std::vector<std::string> ranked = pop.rankedTitles();
    for (std::size_t k = 0; k < ranked.size() && k < static_cast<std::size_t>(o.top); ++k) {
        top.push_back({{"title", ranked[k]}, {"reward", pop.reward(ranked[k])}});
    }
    nlohmann::ordered_json out;
    out["dataset"] = o.dataset;
    out["items"] = d.catalog.size();
    out["distinct_item_titles"] = d.catalog.distinctTitles();
    out["rows"] = {{"train", d.train.size()}, {"valid", d.valid.size()}, {"test", d.test.size()}};
    out["distinct_history_titles"] = pop.titles().size();
    out["history_positions"] = pop.total();
    out["groups"] = groups.count();
    out["group_sizes"] = groups.sizes();
    out["history_group_distribution"] = history.shares;
    out["target_group_distribution"] = targets.shares;
    out["targets_outside_groups"] = targets.outside;
    out["top_titles"] = top;
    return out;
}

const flower::cli::Registration kDatasetStats(20, [](CLI::App& root) {
    auto o = std::make_shared<StatsOptions>();
    auto* cmd = root.add_subcommand(
        "dataset-stats",
        "Describe a dataset as JSON: items, rows per split, popularity groups, the group "
        "distribution of training histories and targets, the most rewarded titles");
    cmd->add_option("--dataset", o->dataset,
                    "Folder with train.csv, valid.csv, test.csv, items.tsv, or the Flower "
                    "layout {train,valid,test}/<Category>_5_*.csv + info/<Category>_5_*.txt")
        ->required();
    cmd->add_option("--category", o->category,
                    "Category of the Flower layout (e.g. Movies_and_TV); needed when the "
                    "folder holds several");
    cmd->add_option("--groups", o->groups, "Number of popularity groups")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--top", o->top, "How many top titles to list")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000000));
    cmd->callback([o] { std::printf("%s\n", datasetStats(*o).dump(2).c_str()); });
});

const flower::cli::Registration kSynth(21, [](CLI::App& root) {
    auto out = std::make_shared<std::string>();
    auto c = std::make_shared<flower::data::SyntheticConfig>();
    auto* cmd = root.add_subcommand(
        "synth", "Write the synthetic dataset (train.csv, valid.csv, test.csv, items.tsv)");
    cmd->add_option("--out", *out, "Folder to write (created if needed)")->required();
    cmd->add_option("--items", c->items, "Catalogue size")->capture_default_str();
    cmd->add_option("--users", c->users, "Number of users")->capture_default_str();
    cmd->add_option("--seed", c->seed, "Random seed")->capture_default_str();
    cmd->add_option("--zipf", c->zipf, "Popularity exponent")->capture_default_str();
    cmd->callback([out, c] {
        const auto s = flower::data::generateSynthetic(*c);
        flower::data::writeDataset(s.dataset, *out);
        nlohmann::ordered_json summary;
        summary["out"] = *out;
        summary["items"] = s.dataset.catalog.size();
        summary["users"] = s.sequences.size();
        summary["rows"] = {{"train", s.dataset.train.size()},
                           {"valid", s.dataset.valid.size()},
                           {"test", s.dataset.test.size()}};
        std::printf("%s\n", summary.dump(2).c_str());
    });
});

}  // namespace
