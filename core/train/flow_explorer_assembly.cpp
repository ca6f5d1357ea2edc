#include "core/train/flow_explorer_assembly.h"

#include "core/data/dataset.h"
#include "core/run/resource_locator.h"
#include "core/text/tokenizer.h"
#include "core/train/model_trie.h"
#include "core/train/rq1_target.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <filesystem>
#include <memory>
#include <optional>

namespace flower::train {

namespace fs = std::filesystem;

flow::FlowExplorer openFlowExplorer(const run::ExperimentConfig& config,
                                    const std::function<void(const std::string&)>& stage) {
    const auto say = [&](const std::string& what) {
        if (stage) stage(what);
    };
    say("loading the tokenizer");
    const fs::path tokenizerPath =
        config.tokenizer.empty() ? util::defaultTokenizerPath() : fs::path(config.tokenizer);
    auto tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::fromFile(tokenizerPath));
    const auto newline = tokenizer->encode("\n");
    if (newline.size() != 1) {
        throw Error({tokenizerPath.string(), 0, "tokenizer"},
                    "\"\\n\" must be one token (the termination token of every title)");
    }
    const text::TokenId termination = newline[0];

    const bool synthetic = run::isSyntheticSpec(config.dataset);
    say(synthetic ? "generating the synthetic catalogue" : "reading the dataset");
    std::optional<ModelTrie> modelTrie;
    if (config.promptTemplate == "history_free") {
        data::Dataset dataset;
        const Rq1Target target = configuredRq1Target(config.dataset, config.rq1Target, dataset);
        say("building the prefix tree of " + std::to_string(target.size()) + " target titles");
        modelTrie = ModelTrie::forRq1Target(target, *tokenizer, termination);
    } else {
        const data::Dataset dataset =
            synthetic ? data::generateSynthetic(run::parseSyntheticSpec(config.dataset)).dataset
                      : data::loadDataset(run::resolveDatasetDir(config.dataset));
        say("building the prefix tree of " + std::to_string(dataset.catalog.size()) + " titles");
        modelTrie = ModelTrie::forCatalogue(dataset, *tokenizer, termination);
    }
    auto trie = std::make_shared<const flow::TitleTrie>(std::move(modelTrie->trie));
    auto flows = std::make_shared<const flow::FlowTable>(*trie, modelTrie->rewards, config.rewardSmoothing);

    flow::FlowExplorer::Summary summary;
    summary.source = (config.name.empty() ? std::string() : config.name + " · ") + config.dataset +
                     (config.promptTemplate == "history_free" ? " (RQ1 target set)" : "");
    summary.variant = std::string(run::toString(config.rewardVariant));
    summary.smoothing = config.rewardSmoothing;
    flow::FlowExplorer::Decoder decoder = [tokenizer](std::span<const text::TokenId> ids) {
        return tokenizer->decode(ids);
    };
    return flow::FlowExplorer(std::move(trie), std::move(flows), config.granularity,
                              std::move(decoder), std::move(summary));
}

}  // namespace flower::train
