// PolicyProbe: what a trained policy (a run's checkpoint) does at a node of an experiment's title
// prefix tree, for the flow explorer's "policy beside target" (issue 18): for one prompt and
// one state, every child's probability under the policy — over the whole vocabulary and
// renormalised over the trie's children (what trie-constrained decoding draws) — and along a
// title, every token's probabilities and the title's total log-probability.
//
// Loading: `open(dir)` reads a checkpoint folder as `flower recommend` does — config.json +
// weights (loadQwen2, fp32 on the CPU), experiment.json (the run's resolved config: prompt
// template, dataset, tokenizer), vocabulary_map.json for a preset's compact ids. The trie given
// to children()/title() is the flow explorer's, in TOKENIZER ids; the probe maps every token to
// the model's ids itself (a token the checkpoint cannot read is an Error naming it).
// Prompts are built exactly as training and evaluation build them: a dataset row is
// encode(instruction) + encode(input with the row's history titles) (BigRecData, `flower
// recommend`), with the category words assembleRun picks (promptWordsOf); the history-free
// prompt is the "history_free" template rendered and tokenized as one text (HistoryFreeData);
// free text is tokenized as one text.
// Cost: the prompt runs once per setPrompt(); a KV cache of prompt + prefix is kept for the
// states along the last path asked for, so stepping to a child costs one decoding step and
// climbing costs none. Children whose chunk has more than one token (granularity n > 1) cost
// one batched forward of their chunks. No gradients.
// Ownership: not thread-safe (one caller thread at a time; the workbench keeps one probe per
// worker). Movable.
// Failure (flower::Error, naming file / field / what was expected): a folder without
// config.json or experiment.json, a vocabulary that lacks a trie or prompt token, a row outside
// its split, an empty prompt, an unknown run or a run without checkpoint in the store.
#pragma once

#include "core/flow/title_trie.h"
#include "core/run/experiment_config.h"
#include "core/text/token_id.h"
#include "core/train/training_data.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flower::train {

struct ProbePrompt {
    enum class Kind { DatasetRow, HistoryFree, FreeText };
    Kind kind = Kind::HistoryFree;
    Split split = Split::Test;  // DatasetRow
    std::int64_t row = 0;       // DatasetRow: 0-based row of the split
    std::string text;           // FreeText: the whole prompt

    static ProbePrompt datasetRow(Split split, std::int64_t row) { return {Kind::DatasetRow, split, row, {}}; }
    static ProbePrompt historyFree() { return {}; }
    static ProbePrompt freeText(std::string text) { return {Kind::FreeText, Split::Test, 0, std::move(text)}; }
    // "test row 12", "the history-free prompt", "free text (34 characters)".
    std::string describe() const;
};

// One child of a state: the product along its chunk (one token at n = 1) of the token's
// probability over the whole vocabulary, and of its probability renormalised over the trie
// children of the node it leaves.
struct ChildProbability {
    double vocabulary = 0.0;
    double constrained = 0.0;
};

struct TokenProbability {
    text::TokenId token = 0;  // tokenizer id (the trie's)
    double vocabulary = 0.0;
    double constrained = 0.0;
};

// A title's tokens and ⊤, each predicted after the prompt and the tokens before it.
struct TitleProbability {
    std::vector<TokenProbability> tokens;  // title tokens, then the termination
    double logVocabulary = 0.0;            // Σ log of tokens[i].vocabulary
    double logConstrained = 0.0;           // Σ log of tokens[i].constrained (the title's
                                           // probability under trie-constrained sampling)
};

class PolicyProbe {
public:
    // Reads the checkpoint folder (see the header comment).
    static PolicyProbe open(const std::filesystem::path& checkpointDir);
    PolicyProbe(PolicyProbe&&) noexcept;
    PolicyProbe& operator=(PolicyProbe&&) noexcept;
    ~PolicyProbe();

    const std::filesystem::path& checkpoint() const;
    // The run's resolved config (experiment.json).
    const run::ExperimentConfig& config() const;
    std::int64_t vocabularySize() const;  // the model's output ids

    // Throws an Error naming the first title token (or the termination) of `trie` (tokenizer
    // ids) that the checkpoint's vocabulary lacks: a checkpoint of another dataset.
    void checkCovers(const flow::TitleTrie& trie) const;

    // Rows of a split of the run's dataset (read on first use).
    std::int64_t rows(Split split) const;
    // Builds and runs the prompt; the cached states are dropped.
    void setPrompt(const ProbePrompt& prompt);
    const ProbePrompt& prompt() const;
    std::span<const text::TokenId> promptIds() const;  // in the model's ids
    std::string promptText() const;                    // decoded

    // Children of `node` of `trie` (tokenizer ids): chunks[i] are the tokens from `node` to
    // child i (FlowExplorer::Child::tokens). Same order as `chunks`.
    std::vector<ChildProbability> children(const flow::TitleTrie& trie, flow::NodeId node,
                                           std::span<const std::vector<text::TokenId>> chunks);
    // Title `title` of `trie`, token by token.
    TitleProbability title(const flow::TitleTrie& trie, flow::TitleIndex title);

    // Forwards run so far (prompt passes and cache extensions), for tests of the caching.
    std::int64_t forwardCount() const;

private:
    struct Impl;
    explicit PolicyProbe(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// A run of the store with a checkpoint to probe.
struct ProbeRun {
    std::int64_t runId = 0;
    std::string name, method, dataset, status;
    std::int64_t step = 0;           // of the checkpoint
    std::string kind;                // "best" or "last"
    std::filesystem::path checkpoint;
};

// Every run of the store with a checkpoint folder on disk (its best, else its last), newest
// run first. The store is opened read-only.
std::vector<ProbeRun> probeRuns(const std::filesystem::path& storeFile);
// The checkpoint of one run; Error naming the store and run when there is none.
ProbeRun probeRun(const std::filesystem::path& storeFile, std::int64_t runId);

}  // namespace flower::train
