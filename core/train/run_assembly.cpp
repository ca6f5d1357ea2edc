#include "core/train/run_assembly.h"

#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/eval/distribution_fit.h"
#include "core/eval/title_catalogue.h"
#include "core/flow/flow_table.h"
#include "core/flow/reward_variant.h"
#include "core/flow/title_trie.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/qwen2_presets.h"
#include "core/run/resource_locator.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/sasrec/sasrec_preference.h"
#include "core/sasrec/sasrec_run.h"
#include "core/sasrec/sasrec_scores.h"
#include "core/sasrec/sasrec_trainer.h"
#include "core/store/run_store.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/bigrec_data.h"
#include "core/train/corpus_vocabulary.h"
#include "core/train/flower_objective.h"
#include "core/train/history_free_data.h"
#include "core/train/ifair_objective.h"
#include "core/train/model_trie.h"
#include "core/train/recommendation_evaluator.h"
#include "core/train/rq1_evaluator.h"
#include "core/train/title_distribution.h"
#include "core/train/rq1_target.h"
#include "core/train/sft_objective.h"
#include "core/train/trie_sampler.h"
#include "core/train/validation_evaluator.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <torch/torch.h>

#include <cstdio>
#include <map>
#include <optional>
#include <sstream>

namespace flower::train {

namespace fs = std::filesystem;

namespace {

// The reference's tuning-set sizes (without_history/base_line/data/train_{100,1500}.json):
// 6,400 rows for the 100-movie target, 12,800 for 1,500.
std::int64_t rq1TuningSetSize(std::size_t titles) { return titles <= 100 ? 6400 : 12800; }

model::Qwen2ForCausalLM buildModel(const run::ExperimentConfig& c,
                                   const text::VocabularyMap* vocabulary, const std::string& device) {
    const auto dtype = c.dtype == run::DType::BFloat16 ? torch::kBFloat16 : torch::kFloat32;
    model::Qwen2ForCausalLM m{nullptr};
    if (run::isModelPreset(c.model)) {
        m = model::Qwen2ForCausalLM(
            model::qwen2Preset(c.model, static_cast<std::int64_t>(vocabulary->size())));
        m->initWeights(static_cast<std::uint64_t>(c.seed));
        m->to(torch::Device(device), dtype);
    } else {
        model::LoadOptions options;
        options.dtype = dtype;
        options.device = torch::Device(device);
        m = model::loadQwen2(run::resolveModelDir(c.model), options);
    }
    m->setGradientCheckpointing(c.gradientCheckpointing);
    return m;
}

flow::RewardVariant rewardVariantOf(const run::ExperimentConfig& c) {
    return flow::RewardVariant::fromName(run::toString(c.rewardVariant));
}

// The SASRec scores a run reads: the training rows' for the preference reward variants, the
// valid/test rows' for D3's guidance (γ < 1). From a scores file, a sasrec run of the store, or
// a SASRec trained here first (see the header); `splits` are the ones needed.
struct SasRecSplits {
    std::map<std::string, at::Tensor> scores;  // "train", "valid", "test" → [rows, items]
    std::string source;                        // for errors and the PreferenceModel
    std::string note;                          // for the log
};

std::int64_t splitRows(const data::Dataset& dataset, const std::string& split) {
    const auto& rows = split == "train" ? dataset.train : split == "valid" ? dataset.valid : dataset.test;
    return static_cast<std::int64_t>(rows.size());
}

SasRecSplits sasrecScores(const run::ExperimentConfig& c, const data::Dataset& dataset,
                          const AssemblyOptions& options, const std::vector<std::string>& splits) {
    const auto items = static_cast<std::int64_t>(dataset.catalog.size());
    SasRecSplits out;
    fs::path file;
    if (!c.preference.scores.empty()) {
        file = c.preference.scores;
        if (!fs::exists(file)) {
            throw Error({file.string(), 0, "preference.scores"}, "the SASRec scores file does not exist");
        }
        out.note = "preference: SASRec scores from " + file.string();
    } else if (c.preference.run != 0) {
        const std::string id = std::to_string(c.preference.run);
        if (options.storeFile.empty()) {
            throw Error({"", 0, "preference.run"}, "names run " + id + " of a run store, but none was given");
        }
        store::StoreOptions readOnly;
        readOnly.create = false;
        readOnly.readOnly = true;
        store::RunStore runs(options.storeFile, readOnly);
        const auto info = runs.findRun(c.preference.run);
        if (!info) {
            throw Error({options.storeFile.string(), 0, "preference.run"}, "there is no run " + id);
        }
        if (info->method != "sasrec") {
            throw Error({options.storeFile.string(), 0, "preference.run"},
                        "run " + id + " is a " + info->method + " run, not sasrec (train one with "
                        "`flower sasrec train`)");
        }
        file = sasrec::runScoresPath(options.storeFile, c.preference.run);
        if (!fs::exists(file)) {
            throw Error({file.string(), 0, "preference.run"},
                        "sasrec run " + id + " has no scores file (did it finish?)");
        }
        out.note = "preference: SASRec run " + id + " (" + file.string() + ")";
    }
    if (!file.empty()) {
        const sasrec::SasRecScores scores(file);
        for (const auto& split : splits) {
            if (!scores.contains(split)) {
                throw Error({file.string(), 0, split},
                            "the SASRec scores file has no \"" + split + "\" tensor (this run needs the " +
                                split + " rows' scores; `flower sasrec scores RUN --split " + split +
                                "` writes one split, the run's own file holds all three)");
            }
            out.scores[split] = scores.split(split, splitRows(dataset, split), items);  // maps the file
        }
        out.source = file.string();
        return out;
    }
    sasrec::SasRecTrainingOptions o;
    o.seed = static_cast<std::uint64_t>(c.seed);
    if (!options.storeFile.empty()) {
        // The store keeps SASRec as a run of its own: reuse the one for this dataset and seed,
        // or train it once and keep it for the next run (and Table 4's SASRec row).
        std::string how;
        auto id = sasrec::findSasRecRun(options.storeFile, c.dataset, o, items);
        if (id) {
            how = "reused: the store's sasrec run for this dataset and seed";
        } else {
            sasrec::SasRecRunOptions runOptions;
            runOptions.training = o;
            runOptions.dataset = c.dataset;
            runOptions.name = "sasrec-" + (c.name.empty() ? std::string("preference") : c.name);
            runOptions.storeFile = options.storeFile;
            const auto summary = sasrec::runSasRec(dataset, runOptions);
            if (summary.result.cancelled) {
                throw Error({options.storeFile.string(), 0, "preference"},
                            "the SASRec trained for the preference reward was cancelled");
            }
            id = summary.runId;
            char text[256];
            std::snprintf(text, sizeof text,
                          "trained first and saved (best epoch %d of %d, valid NDCG@20 %.4f, %.0f s)",
                          summary.result.bestEpoch, summary.result.epochsRun,
                          summary.result.bestValid.ndcg(20), summary.result.seconds);
            how = text;
        }
        const fs::path file = sasrec::runScoresPath(options.storeFile, *id);
        out.note = "preference: none given, so SASRec run " + std::to_string(*id) + " (seed " +
                   std::to_string(c.seed) + ") was " + how + "; \"preference\": {\"run\": " +
                   std::to_string(*id) + "} names it";
        const sasrec::SasRecScores scores(file);
        for (const auto& split : splits) out.scores[split] = scores.split(split, splitRows(dataset, split), items);
        out.source = file.string();
        return out;
    }
    // No store (tests, tools): trained here and kept in memory only.
    sasrec::SasRecTrainer trainer(dataset, o);
    auto result = trainer.train();
    char text[512];
    std::snprintf(text, sizeof text,
                  "preference: none given and no run store, so a SASRec was trained first in memory "
                  "(seed %lld, best epoch %d of %d, valid NDCG@20 %.4f, %.0f s); name a `flower "
                  "sasrec train` run with \"preference\": {\"run\": N} to reuse one",
                  static_cast<long long>(c.seed), result.bestEpoch, result.epochsRun,
                  result.bestValid.ndcg(20), result.seconds);
    out.note = text;
    for (const auto& split : splits) out.scores[split] = sasrec::scoreRows(*result.model, trainer.split(split));
    out.source = "SASRec trained for this run";
    return out;
}

// The recommendation evaluation of bigrec runs (recommendation_evaluator.h) with the
// experiment's evaluation block.
std::shared_ptr<Evaluator> recommendationEvaluator(const run::ExperimentConfig& c,
                                                   const data::Dataset& dataset,
                                                   std::shared_ptr<const BigRecData> data,
                                                   std::shared_ptr<const flow::TitleTrie> trie,
                                                   const SasRecSplits* guidance) {
    const auto& e = c.evaluation;
    RecommendationEvaluatorOptions o;
    o.search.beams = e.beams;
    o.search.lengthPenalty = e.lengthPenalty;
    o.search.temperature = e.temperature;
    o.search.guidance = e.guidance;
    o.ks = e.k;
    o.rows = e.rows;
    o.seed = static_cast<std::uint64_t>(c.seed);
    o.test = e.test;
    at::Tensor valid, test;
    if (guidance) {
        valid = guidance->scores.at("valid");
        if (e.test) test = guidance->scores.at("test");
    }
    return std::make_shared<RecommendationEvaluator>(
        std::move(data), std::move(trie), std::make_shared<const eval::TitleCatalogue>(dataset),
        dataset.catalog.titles(), std::move(o), std::move(valid), std::move(test));
}

std::shared_ptr<Objective> buildObjective(const run::ExperimentConfig& c, const flow::FlowTable& flows,
                                          const data::Dataset* dataset,
                                          const flow::PreferenceModel* preference) {
    switch (c.method) {
        case run::Method::Sft:
        case run::Method::SftTemperature:  // trains as SFT; the temperature acts when decoding
            return std::make_shared<SftObjective>();
        case run::Method::IFairLrs: {
            if (dataset == nullptr) {
                throw Error({"", 0, "method"}, "ifairlrs reweights by popularity groups of a "
                                               "recommendation dataset; history_free runs have none");
            }
            const data::Popularity popularity(dataset->catalog, dataset->train);
            const data::PopularityGroups groups(popularity, 8);
            return std::make_shared<IfairObjective>(IfairObjective::weightsFrom(
                groups.historyDistribution(dataset->catalog, dataset->train),
                groups.targetDistribution(dataset->catalog, dataset->train)));
        }
        case run::Method::Flower: {
            FlowerOptions options;
            options.lambda = c.lambda;
            options.subtbLambda = c.subtbLambda;
            options.granularity = c.granularity;
            options.samplingTemperature = c.rollout.temperature;
            options.rollout = c.rollout.constraint == run::RolloutConstraint::Free
                                  ? SamplingConstraint::Free
                                  : SamplingConstraint::Trie;
            options.treeNormalised = c.rollout.logPf == run::PfNormalisation::Tree;
            options.offlineProbability = c.rollout.offlineProbability;
            options.decayThreshold = c.rollout.decayThreshold;
            options.decayStep = c.rollout.decayStep;
            options.decayFloor = c.rollout.decayFloor;
            return std::make_shared<FlowerObjective>(flows, rewardVariantOf(c), options, preference);
        }
    }
    throw Error({"", 0, "method"}, "unknown method");
}

}  // namespace

data::Dataset loadConfiguredDataset(const run::ExperimentConfig& c) {
    if (run::isSyntheticSpec(c.dataset)) {
        return data::generateSynthetic(run::parseSyntheticSpec(c.dataset)).dataset;
    }
    return data::loadDataset(run::resolveDatasetDir(c.dataset));
}

text::CategoryWords promptWordsOf(const run::ExperimentConfig& c) {
    if (c.promptTemplate != "bigrec" || run::isSyntheticSpec(c.dataset)) return {};
    const fs::path dir = run::resolveDatasetDir(c.dataset);
    // append(), not `" " + …`: GCC 12 warns falsely (-Wstringop-overflow) on the latter here.
    std::string names = c.dataset;
    names.append(" ").append(dir.string());
    if (fs::exists(dir / "info")) names.append(" ").append(data::locateDataset(dir).items.string());
    return text::categoryWordsFor(names);
}

RunAssembly assembleRun(const run::ExperimentConfig& config, const AssemblyOptions& assemblyOptions) {
    RunAssembly a;
    a.config = config;
    a.device = run::resolveDevice(config.device);
    const fs::path tokenizerPath =
        config.tokenizer.empty() ? util::defaultTokenizerPath() : fs::path(config.tokenizer);
    auto tokenizer = std::make_shared<text::Tokenizer>(text::Tokenizer::fromFile(tokenizerPath));
    a.tokenizer = tokenizer;
    const auto newline = tokenizer->encode("\n");
    if (newline.size() != 1) {
        throw Error({tokenizerPath.string(), 0, "tokenizer"},
                    "\"\\n\" must be one token (the termination token of every title)");
    }
    const text::TokenId termination = newline[0];
    const text::PromptTemplate prompt = text::PromptTemplate::fromName(
        config.promptTemplate, promptWordsOf(config));
    const bool compact = run::isModelPreset(config.model);

    data::Dataset dataset;
    const bool historyFree = config.promptTemplate == "history_free";
    std::optional<ModelTrie> modelTrie;  // no empty TitleTrie: filled by one branch below
    std::shared_ptr<Evaluator> inner;
    std::shared_ptr<const BigRecData> bigrec;
    if (historyFree) {
        // RQ1: only the target set matters; a folder dataset need not hold splits at all.
        const Rq1Target target = configuredRq1Target(config.dataset, config.rq1Target, dataset);
        if (compact) {
            a.vocabulary = std::make_shared<text::VocabularyMap>(
                historyFreeVocabulary(target, *tokenizer, prompt, termination));
        }
        HistoryFreeOptions options;
        options.examples = rq1TuningSetSize(target.size());
        options.seed = static_cast<std::uint64_t>(config.seed);
        options.termination = termination;
        auto data = std::make_shared<HistoryFreeData>(target, *tokenizer, prompt, options,
                                                      a.vocabulary.get());
        a.data = data;
        modelTrie = ModelTrie::forRq1Target(target, *tokenizer, termination, a.vocabulary.get());

        std::vector<std::vector<text::TokenId>> titleTokens;
        for (std::size_t i = 0; i < data->titleCount(); ++i) {
            const auto t = data->titleTarget(i);
            titleTokens.emplace_back(t.begin(), t.end() - 1);  // termination excluded
        }
        Rq1EvaluatorOptions evalOptions;
        evalOptions.samples = config.evaluation.samples;
        evalOptions.tuningSetSize = options.examples;
        const double temperature = config.evaluation.temperature;
        auto trie = std::make_shared<const flow::TitleTrie>(modelTrie->trie);
        a.trie = trie;
        TitleSampler sampler = [trie, temperature](model::Qwen2ForCausalLMImpl& m,
                                                   const at::Tensor& ids, const at::Tensor& mask,
                                                   at::Generator& generator) {
            const SampledTitles s = sampleTitles(m, *trie, ids, mask, temperature, generator);
            std::vector<std::vector<text::TokenId>> out(static_cast<std::size_t>(s.size()));
            const auto tokens = s.tokens.accessor<std::int64_t, 2>();
            const auto lengths = s.lengths.accessor<std::int64_t, 1>();
            for (std::int64_t r = 0; r < s.size(); ++r) {
                std::int64_t n = lengths[r];
                if (n > 0 && tokens[r][n - 1] == trie->terminationToken()) --n;  // drop ⊤
                for (std::int64_t t = 0; t < n; ++t) {
                    out[static_cast<std::size_t>(r)].push_back(static_cast<text::TokenId>(tokens[r][t]));
                }
            }
            return out;
        };
        auto vocabulary = a.vocabulary;
        TitleDecoder decoder = [tokenizer, vocabulary](std::span<const text::TokenId> ids) {
            return vocabulary ? tokenizer->decode(vocabulary->toTokenizer(ids)) : tokenizer->decode(ids);
        };
        const auto promptIds = data->promptIds();
        evalOptions.exact = [trie, temperature, prompt = std::vector<text::TokenId>(promptIds.begin(), promptIds.end())](
                                model::Qwen2ForCausalLMImpl& m) {
            return titleDistribution(m, *trie, prompt, temperature).constrainedProbabilities();
        };
        inner = std::make_shared<Rq1Evaluator>(
            eval::DistributionFit(std::move(titleTokens), target.counts), target.titles,
            std::vector<text::TokenId>(promptIds.begin(), promptIds.end()), std::move(sampler),
            evalOptions, std::move(decoder));
    } else {
        dataset = loadConfiguredDataset(config);
        if (compact) {
            a.vocabulary = std::make_shared<text::VocabularyMap>(
                bigRecVocabulary(dataset, *tokenizer, prompt, termination));
        }
        BigRecOptions options;
        options.termination = termination;
        bigrec = std::make_shared<BigRecData>(dataset, *tokenizer, prompt, options, a.vocabulary.get());
        a.data = bigrec;
        modelTrie = ModelTrie::forCatalogue(dataset, *tokenizer, termination, a.vocabulary.get());
        a.trie = std::make_shared<const flow::TitleTrie>(modelTrie->trie);
    }
    a.terminationId = a.vocabulary ? a.vocabulary->toCompact(termination) : termination;
    a.flows = std::make_shared<flow::FlowTable>(*a.trie, modelTrie->rewards, config.rewardSmoothing);
    a.model = buildModel(config, a.vocabulary.get(), a.device);
    const bool preferenceReward =
        config.method == run::Method::Flower && rewardVariantOf(config).needsPreference();
    if (preferenceReward && historyFree) {
        throw Error({"", 0, "reward.variant"},
                    "\"" + std::string(run::toString(config.rewardVariant)) +
                        "\" personalises rewards per training row with SASRec; history_free runs "
                        "have no histories");
    }
    const bool guidance = !historyFree && config.evaluation.guidance < 1.0;
    std::optional<SasRecSplits> guidanceScores;
    if (preferenceReward || guidance) {
        // One source for both (a SASRec trained here is trained once).
        std::vector<std::string> splits;
        if (preferenceReward) splits.emplace_back("train");
        if (guidance) splits.emplace_back("valid");
        if (guidance && config.evaluation.test) splits.emplace_back("test");
        SasRecSplits scores = sasrecScores(config, dataset, assemblyOptions, splits);
        a.preferenceNote = scores.note;
        if (preferenceReward) {
            a.preference = std::make_shared<sasrec::SasRecPreference>(scores.scores.at("train"), scores.source);
        }
        if (guidance) guidanceScores = std::move(scores);
    }
    a.objective = buildObjective(config, *a.flows, historyFree ? nullptr : &dataset, a.preference.get());
    if (!historyFree) {
        inner = recommendationEvaluator(config, dataset, bigrec, a.trie,
                                        guidance ? &*guidanceScores : nullptr);
    }
    a.evaluator = std::make_shared<ValidationEvaluator>(a.objective, a.data, config.microBatchSize,
                                                        std::move(inner));
    return a;
}

std::string RunAssembly::describe() const {
    std::ostringstream out;
    out << "data: " << data->size(Split::Train) << " train / " << data->size(Split::Valid)
        << " valid examples (" << config.promptTemplate << ")\n";
    out << "vocabulary: "
        << (vocabulary ? std::to_string(vocabulary->size()) + " compact ids"
                       : std::string("the tokenizer's"))
        << "; prefix tree: " << trie->titleCount() << " titles, " << trie->nodeCount() << " nodes\n";
    out << "model: " << config.model << ", " << model->parameterCount() << " parameters on " << device
        << "; objective: " << objective->name() << "\n";
    if (!preferenceNote.empty()) out << preferenceNote << "\n";
    return out.str();
}

}  // namespace flower::train
