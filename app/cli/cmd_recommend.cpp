// `flower recommend CHECKPOINT --dataset DIR --split test --out predictions.json`: top-B title
// lists for every row of a split by trie-constrained beam search (core/decode/beam_search.h) —
// beam (HF's default length penalty 1), temp (T = 1.5) or d3 (length penalty 0, optional SASRec
// guidance γ from a scores file) — written in the reference's layout:
//   [{"input": history text, "output": target title + "\n", "predict": [B titles],
//     "predict_score": [B scores], "predict_token_scores": [[per-token step scores]]}, ...]
// The checkpoint's experiment.json (when present) gives the prompt template and tokenizer (the
// category words of a BIGRec prompt come from the decoded dataset's folder and items file, as
// in training: text::categoryWordsFor), its
// vocabulary_map.json the compact ids of a preset model. Nothing is written on failure: the
// file is filled under a temporary name and renamed at the end.
#include "command.h"

#include "core/data/dataset.h"
#include "core/decode/beam_search.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/safetensors_reader.h"
#include "core/run/experiment_config.h"
#include "core/text/category_words.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/model_trie.h"
#include "core/util/error.h"
#include "core/util/paths.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using flower::Error;
using nlohmann::ordered_json;

struct RecommendArgs {
    std::string checkpoint, dataset, category, split = "test", decoding = "beam", out, tokenizer, itemScores;
    int beams = 10;
    std::int64_t rows = 0;
    int batch = 256;  // decode::BeamSearchOptions::promptsPerBatch (slots of the grouped path)
    std::optional<double> temperature, lengthPenalty, guidance;
};

const flower::data::InteractionSplit& pickSplit(const flower::data::Dataset& d, const std::string& name) {
    if (name == "train") return d.train;
    if (name == "valid") return d.valid;
    return d.test;
}

// The item-score rows of D3's guidance: the file's only tensor (or "scores"), [rows, items].
at::Tensor loadItemScores(const fs::path& file, std::int64_t rows, std::int64_t items) {
    const flower::model::SafetensorsReader reader(file);
    const auto names = reader.names();
    std::string name = reader.contains("scores") ? "scores" : names.size() == 1 ? names.front() : "";
    if (name.empty()) {
        throw Error({file.string(), 0, "scores"}, "expected one tensor (or one named \"scores\") of item scores [rows, items]");
    }
    at::Tensor t = reader.tensor(name);
    if (t.dim() != 2 || t.size(0) < rows || t.size(1) != items) {
        std::string shape;
        for (auto s : t.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(s);
        throw Error({file.string(), 0, name}, "expected item scores of shape [" + std::to_string(rows) + ", " +
                                                  std::to_string(items) + "] (rows of the split, catalogue items), got [" +
                                                  shape + "]");
    }
    return t.narrow(0, 0, rows).to(torch::kFloat).contiguous();
}

void runRecommend(const RecommendArgs& a) {
    const fs::path dir = a.checkpoint;
    if (!fs::exists(dir / "config.json")) {
        throw Error({dir.string(), 0, "config.json"}, "not a model checkpoint (no config.json in it)");
    }
    std::optional<flower::run::ExperimentConfig> experiment;
    if (fs::exists(dir / "experiment.json")) experiment = flower::run::ExperimentConfig::load(dir / "experiment.json");
    const fs::path tokenizerPath = !a.tokenizer.empty()                            ? fs::path(a.tokenizer)
                                   : experiment && !experiment->tokenizer.empty() ? fs::path(experiment->tokenizer)
                                                                                  : flower::util::defaultTokenizerPath();
    const auto tokenizer = flower::text::Tokenizer::fromFile(tokenizerPath);
    std::optional<flower::text::VocabularyMap> vocabulary;
    if (fs::exists(dir / "vocabulary_map.json")) vocabulary = flower::text::VocabularyMap::load(dir / "vocabulary_map.json");
    const auto newline = tokenizer.encode("\n");
    if (newline.size() != 1) throw Error({tokenizerPath.string(), 0, "\\n"}, "the tokenizer must encode \"\\n\" as one token");
    // The category words of the decoded dataset, picked as training picks them (its folder
    // name and items file, text::categoryWordsFor): a CDs model hears "musics" here too.
    const std::string templateName = experiment ? experiment->promptTemplate : "bigrec";
    std::string datasetNames = a.dataset;
    datasetNames.append(" ").append(flower::data::locateDataset(a.dataset, a.category).items.string());
    const auto prompt = flower::text::PromptTemplate::fromName(
        templateName, templateName == "bigrec" ? flower::text::categoryWordsFor(datasetNames)
                                               : flower::text::CategoryWords{});
    const flower::data::Dataset dataset = flower::data::loadDataset(a.dataset, a.category);
    const auto& split = pickSplit(dataset, a.split);

    auto options = flower::decode::decodingOptions(a.decoding);
    options.beams = a.beams;
    options.promptsPerBatch = a.batch;
    if (a.temperature) options.temperature = *a.temperature;
    if (a.lengthPenalty) options.lengthPenalty = *a.lengthPenalty;
    if (a.guidance) options.guidance = *a.guidance;
    if (options.guidance < 1.0 && a.itemScores.empty()) {
        throw Error({"", 0, "--item-scores"}, "guidance γ < 1 needs --item-scores (a SASRec scores file of the split)");
    }

    flower::model::Qwen2ForCausalLM model = flower::model::loadQwen2(dir);
    model->eval();
    const std::int64_t V = model->config().vocabSize;
    const std::string vocabFile = (dir / (vocabulary ? "vocabulary_map.json" : "config.json")).string();

    // The trie in model ids; a title the checkpoint cannot write is the checkpoint's problem.
    std::vector<flower::flow::TitleItem> items;
    for (std::size_t id = 0; id < dataset.catalog.size(); ++id) {
        items.push_back({static_cast<std::int64_t>(id), dataset.catalog.titles()[id]});
    }
    std::optional<flower::flow::TitleTrie> trie;
    try {
        trie = flower::train::titleTrieInModelIds(items, tokenizer, newline.front(), vocabulary ? &*vocabulary : nullptr);
    } catch (const Error& e) {
        throw Error({vocabFile, 0, "vocabulary"}, "the checkpoint's vocabulary does not cover the titles of " +
                                                      a.dataset + ": " + e.detail());
    }
    for (std::size_t t = 0; t < trie->titleCount(); ++t) {
        for (const auto id : trie->titleTokens(static_cast<flower::flow::TitleIndex>(t))) {
            if (id >= V) {
                throw Error({vocabFile, 0, "vocab_size"}, "title \"" + trie->title(static_cast<flower::flow::TitleIndex>(t)) +
                                                              "\" needs token " + std::to_string(id) +
                                                              ", outside the model's vocabulary of " + std::to_string(V) +
                                                              " ids: the checkpoint does not cover the dataset's titles");
            }
        }
    }
    if (trie->terminationToken() >= V) {
        throw Error({vocabFile, 0, "vocab_size"}, "the termination token is outside the model's vocabulary");
    }

    const auto total = static_cast<std::int64_t>(split.size());
    const std::int64_t n = a.rows > 0 ? std::min(a.rows, total) : total;
    std::vector<std::vector<flower::text::TokenId>> prompts;
    std::vector<std::string> inputs;
    const auto instruction = tokenizer.encode(prompt.instructionPart());
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& row = split.rows()[static_cast<std::size_t>(r)];
        std::vector<std::string> history;
        for (auto id : row.history) history.push_back(dataset.catalog.title(id));
        inputs.push_back(prompt.inputPart(history));
        std::vector<flower::text::TokenId> ids = instruction;
        tokenizer.encodeInto(inputs.back(), ids);
        for (auto& id : ids) {
            if (vocabulary) {
                const auto c = vocabulary->tryCompact(id);
                if (!c) {
                    throw Error({a.split + " split", r + 1, "history_item_title"},
                                "the prompt needs token " + std::to_string(id) + ", which the checkpoint's vocabulary (" +
                                    vocabFile + ") lacks");
                }
                id = *c;
            }
            if (id >= V) {
                throw Error({a.split + " split", r + 1, "history_item_title"},
                            "prompt token " + std::to_string(id) + " is outside the model's vocabulary of " + std::to_string(V));
            }
        }
        prompts.push_back(std::move(ids));
    }
    at::Tensor scores;
    if (options.guidance < 1.0) scores = loadItemScores(a.itemScores, n, static_cast<std::int64_t>(dataset.catalog.size()));

    const bool tty = isatty(fileno(stderr)) != 0;
    options.progress = [&](std::int64_t done) {
        if (tty) std::fprintf(stderr, "\r%lld / %lld prompts", static_cast<long long>(done), static_cast<long long>(n));
    };
    const auto start = std::chrono::steady_clock::now();
    const auto result = flower::decode::beamSearch(*model, *trie, prompts, options, scores);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (tty) std::fprintf(stderr, "\n");

    ordered_json out = ordered_json::array();
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& row = split.rows()[static_cast<std::size_t>(r)];
        ordered_json predict = ordered_json::array(), score = ordered_json::array(), tokenScores = ordered_json::array();
        for (const auto& h : result.titles[static_cast<std::size_t>(r)]) {
            predict.push_back(trie->title(h.title));
            score.push_back(h.score);
            tokenScores.push_back(h.tokenScores);
        }
        out.push_back({{"input", inputs[static_cast<std::size_t>(r)]},
                       {"output", dataset.catalog.title(row.target) + "\n"},
                       {"predict", predict},
                       {"predict_score", score},
                       {"predict_token_scores", tokenScores}});
    }
    const fs::path target = a.out;
    const fs::path tmp = target.string() + ".tmp-" + std::to_string(getpid());
    {
        std::ofstream f(tmp);
        f << out.dump(2) << "\n";
        if (!f) {
            fs::remove(tmp);
            throw Error({target.string(), 0, ""}, "cannot write the predictions file");
        }
    }
    fs::rename(tmp, target);
    std::fprintf(stderr, "%lld prompts, %d beams (%s, T %.3g, length penalty %.3g, γ %.3g) in %.1f s → %s\n",
                 static_cast<long long>(n), options.beams, a.decoding.c_str(), options.temperature,
                 options.lengthPenalty, options.guidance, seconds, target.c_str());
}

const flower::cli::Registration kRecommend(63, [](CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "recommend", "Top-B title lists for a split by trie-constrained beam search (beam, temp, d3), "
                     "written as the reference's predictions JSON");
    auto a = std::make_shared<RecommendArgs>();
    cmd->add_option("checkpoint", a->checkpoint, "model checkpoint directory (e.g. runs/3/best)")->required();
    cmd->add_option("--dataset", a->dataset, "dataset folder (flower dataset-stats --help)")->required();
    cmd->add_option("--category", a->category, "category of the Flower layout, when the folder holds several");
    cmd->add_option("--split", a->split, "split whose rows are decoded")
        ->check(CLI::IsMember({"train", "valid", "test"}))
        ->capture_default_str();
    cmd->add_option("--decoding", a->decoding, "beam (α 1), temp (T 1.5), d3 (α 0, γ 1)")
        ->check(CLI::IsMember({"beam", "temp", "d3"}))
        ->capture_default_str();
    cmd->add_option("--beams", a->beams, "beams and titles per row")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--rows", a->rows, "first N rows only (0 = all)")->check(CLI::NonNegativeNumber);
    cmd->add_option("--temperature", a->temperature, "softmax temperature (overrides the decoding's)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--length-penalty", a->lengthPenalty, "α: a title scores Σ log p / L^α");
    cmd->add_option("--guidance", a->guidance, "D3's γ: γ·log p_LLM + (1 − γ)·log c_SASRec; 1 = none")
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--item-scores", a->itemScores, "safetensors of raw SASRec scores [rows, items] (for γ < 1)");
    cmd->add_option("--batch", a->batch, "prompts decoded together")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--tokenizer", a->tokenizer, "tokenizer.json (default: the checkpoint's experiment's, or Qwen2.5's)");
    cmd->add_option("--out", a->out, "predictions JSON to write")->required();
    cmd->callback([a] { runRecommend(*a); });
});

}  // namespace
