// `flower title-fit CHECKPOINT`: the exact RQ1 fit of a history-free checkpoint — the policy's
// title distribution computed by teacher forcing every target title (core/train/
// title_distribution.h) instead of sampling, compared with the target at title and token level,
// plus where the two distributions of that header part (trie-constrained vs unconstrained) and
// the titles with the largest errors. The checkpoint's experiment.json rebuilds the target.
#include "command.h"

#include "core/eval/distribution_fit.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/run/experiment_config.h"
#include "core/train/history_free_data.h"
#include "core/train/run_assembly.h"
#include "core/train/title_distribution.h"
#include "core/flow/flow_table.h"
#include "core/flow/title_trie.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

namespace {

namespace fs = std::filesystem;
using flower::Error;
using nlohmann::ordered_json;

struct FitArgs {
    std::string checkpoint;
    double temperature = 1.0;
    int rows = 10;
    bool json = false;
};

ordered_json divergencesJson(const flower::eval::Divergences& d) {
    return {{"kl_tr", d.klTargetGenerated}, {"kl_rt", d.klGeneratedTarget}, {"js", d.js}};
}

void runTitleFit(const FitArgs& a) {
    const fs::path dir = a.checkpoint;
    if (!fs::exists(dir / "experiment.json")) {
        throw Error({dir.string(), 0, "experiment.json"},
                    "not a training checkpoint of a run (no experiment.json in it)");
    }
    const auto config = flower::run::ExperimentConfig::load(dir / "experiment.json");
    if (config.promptTemplate != "history_free") {
        throw Error({(dir / "experiment.json").string(), 0, "prompt_template"},
                    "title-fit measures RQ1 runs (history_free), got \"" + config.promptTemplate + "\"");
    }
    flower::train::RunAssembly run = flower::train::assembleRun(config);
    flower::model::LoadOptions load;
    load.device = run.model->device();
    run.model = flower::model::loadQwen2(dir, load);
    const auto& data = dynamic_cast<const flower::train::HistoryFreeData&>(*run.data);
    const auto& trie = *run.trie;

    const auto dist = flower::train::titleDistribution(*run.model, trie, data.promptIds(), a.temperature);
    const std::size_t n = trie.titleCount();
    const std::vector<double> constrained = dist.constrainedProbabilities();
    std::vector<double> freeNorm(n), target(n), rewards(n);
    double inside = 0.0;
    for (std::size_t t = 0; t < n; ++t) inside += std::exp(dist.free[t]);
    for (std::size_t t = 0; t < n; ++t) {
        freeNorm[t] = std::exp(dist.free[t]) / inside;
        target[t] = std::exp(run.flows->titleLogProbability(static_cast<flower::flow::TitleIndex>(t)));
        rewards[t] = run.flows->reward(static_cast<flower::flow::TitleIndex>(t));
    }
    std::vector<std::vector<flower::text::TokenId>> tokens;
    for (std::size_t t = 0; t < n; ++t) {
        const auto ids = trie.titleTokens(static_cast<flower::flow::TitleIndex>(t));
        tokens.emplace_back(ids.begin(), ids.end());
    }
    const flower::eval::DistributionFit fit(tokens, rewards);
    const auto sampled = fit.evaluateProbabilities(constrained);
    const auto freeFit = fit.evaluateProbabilities(freeNorm);
    const double meanOutside =
        std::accumulate(dist.outside.begin(), dist.outside.end(), 0.0) / static_cast<double>(n);

    // Titles by |log(constrained / target)|, worst first.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return std::abs(std::log(constrained[x] / target[x])) > std::abs(std::log(constrained[y] / target[y]));
    });
    order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max(0, a.rows))));

    if (a.json) {
        ordered_json worst = ordered_json::array();
        for (auto t : order) {
            worst.push_back({{"title", trie.title(static_cast<flower::flow::TitleIndex>(t))},
                             {"target", target[t]},
                             {"constrained", constrained[t]},
                             {"free", freeNorm[t]},
                             {"outside", dist.outside[t]}});
        }
        const ordered_json out = {
            {"checkpoint", dir.string()},
            {"temperature", a.temperature},
            {"titles", n},
            {"constrained", {{"title", divergencesJson(sampled.title)}, {"token", divergencesJson(sampled.token)}}},
            {"free", {{"title", divergencesJson(freeFit.title)}, {"token", divergencesJson(freeFit.token)}}},
            {"free_mass_in_set", inside},
            {"mean_outside", meanOutside},
            {"worst", worst}};
        std::printf("%s\n", out.dump(2).c_str());
        return;
    }
    std::printf("%s: %zu target titles, prompt of %zu tokens, temperature %.3g\n", dir.c_str(), n,
                data.promptIds().size(), a.temperature);
    std::printf("%-34s %10s %10s %10s\n", "exact fit", "KL(T||R)", "KL(R||T)", "JS");
    auto row = [](const char* name, const flower::eval::Divergences& d) {
        std::printf("%-34s %10.6f %10.6f %10.6f\n", name, d.klTargetGenerated, d.klGeneratedTarget, d.js);
    };
    row("trie-constrained sampling, title", sampled.title);
    row("trie-constrained sampling, token", sampled.token);
    row("unconstrained (normalised), title", freeFit.title);
    row("unconstrained (normalised), token", freeFit.token);
    std::printf("unconstrained mass on target titles + ⊤: %.6f; mean mass outside the tree per step: %.6f\n",
                inside, meanOutside);
    std::printf("\n%-40s %9s %11s %9s %8s\n", "largest errors (title)", "target", "constrained", "free", "outside");
    for (auto t : order) {
        std::string title = trie.title(static_cast<flower::flow::TitleIndex>(t));
        if (title.size() > 40) title = title.substr(0, 37) + "...";
        std::printf("%-40s %9.5f %11.5f %9.5f %8.4f\n", title.c_str(), target[t], constrained[t],
                    freeNorm[t], dist.outside[t]);
    }
}

const flower::cli::Registration kTitleFit(62, [](CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "title-fit", "Exact RQ1 fit of a history-free checkpoint: the policy's title distribution "
                     "by teacher forcing, against the target (KL/JS at title and token level)");
    auto a = std::make_shared<FitArgs>();
    cmd->add_option("checkpoint", a->checkpoint, "checkpoint directory of a run (e.g. runs/3/best)")
        ->required();
    cmd->add_option("--temperature", a->temperature, "sampling temperature of the constrained distribution")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--rows", a->rows, "titles listed, largest error first")->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", a->json, "Print one JSON document instead of the table");
    cmd->callback([a] { runTitleFit(*a); });
});

}  // namespace
