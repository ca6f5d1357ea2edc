// `flower flows`: Flower's token-level rewards from the command line.
#include "command.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"

#include "core/flow/flow_table.h"
#include "core/flow/title_rewards.h"
#include "core/flow/title_trie.h"
#include "core/flow/token_distribution.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_set>

namespace {

using flower::Error;
using flower::text::Tokenizer;

struct FlowsOptions {
    std::string rewards;  // {title: count} JSON (reference_title_interaction.json)
    std::string dataset;  // or a dataset folder: catalogue titles, counts in train histories
    std::string category;
    std::string tokenizer;
    std::string out;
    int granularity = 1;
    double smoothing = 0.0;
};

// Where the titles and their rewards come from. A --dataset source adds a branch here that
// returns the catalogue titles with their counts in train.csv histories.
flower::flow::TitleRewards loadRewards(const FlowsOptions& o) {
    if (!o.rewards.empty()) {
        return flower::flow::readTitleRewardsJson(o.rewards);
    }
    // Every catalogue title is in the tree; titles never seen in a training history get
    // reward 0 (−∞ edges, left out of the JSON as the reference does) unless --smoothing.
    const auto dataset = flower::data::loadDataset(o.dataset, o.category);
    const flower::data::Popularity popularity(dataset.catalog, dataset.train);
    flower::flow::TitleRewards rewards;
    std::unordered_set<std::string> seen;
    for (const auto& title : dataset.catalog.titles()) {
        if (seen.insert(title).second) {
            rewards.titles.push_back(title);
            rewards.values.push_back(static_cast<double>(popularity.reward(title)));
        }
    }
    return rewards;
}

void runFlows(const FlowsOptions& o) {
    const Tokenizer tokenizer = Tokenizer::fromFile(
        o.tokenizer.empty() ? flower::util::defaultTokenizerPath().string() : o.tokenizer);
    const auto newline = tokenizer.encode("\n");
    if (newline.size() != 1) {
        throw Error({tokenizer.source(), 0, ""}, "\"\\n\" is not a single token; cannot terminate titles");
    }
    const auto rewards = loadRewards(o);
    const auto items = flower::flow::itemsOf(rewards);
    const auto trie = flower::flow::TitleTrie::build(tokenizer, items, newline[0]);
    const flower::flow::FlowTable flows(trie, flower::flow::rewardsForTrie(trie, rewards), o.smoothing);
    flower::flow::writeTokenDistribution(flows, o.granularity, o.out);
    const auto stats = trie.depthStats();
    std::printf("%zu titles, %zu trie nodes, longest title %d tokens, granularity %d -> %s\n",
                trie.titleCount(), trie.nodeCount(), stats.maxTitleTokens, o.granularity, o.out.c_str());
}

const flower::cli::Registration kFlows(21, [](CLI::App& root) {
    auto o = std::make_shared<FlowsOptions>();
    auto* cmd = root.add_subcommand(
        "flows", "Write Flower's token-level process rewards (the reference's token distribution "
                 "JSON: \"first\", then prefixes as ids joined by \"-\"; natural logs)");
    auto* source = cmd->add_option_group("source", "where titles and rewards come from");
    source->add_option("--rewards", o->rewards,
                       "JSON {title: count}, e.g. reference_title_interaction.json");
    source->add_option("--dataset", o->dataset,
                       "dataset folder: rewards = title counts in training histories");
    source->require_option(1);
    cmd->add_option("--category", o->category, "category, for the Flower repository layout");
    cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the one scripts/setup.sh fetched)");
    cmd->add_option("--granularity", o->granularity, "a state every N tokens (paper §4.5.2)")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--smoothing", o->smoothing, "additive smoothing α added to every title's reward")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--out", o->out, "output JSON file")->required();
    cmd->callback([o] { runFlows(*o); });
});

}  // namespace
