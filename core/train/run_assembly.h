// RunAssembly: an ExperimentConfig turned into the live objects of one run — tokenizer, data,
// vocabulary, prefix tree and flows, policy model, objective and evaluator — so that
// `flower train`, `flower resume`, `flower demo` and the workbench build a run the same way.
//
// What the config decides:
//   - dataset: a synthetic spec is generated in memory; a name or folder is resolved by
//     run/resource_locator.h. prompt_template "history_free" (RQ1) reads only the target set
//     (rq1_target, or the dataset's history counts for a synthetic catalogue); "bigrec" loads the
//     dataset's splits.
//   - model: a preset (nano, micro, tiny) is built from the seed over a compact vocabulary of the
//     corpus (prompts, titles, termination); a Hugging Face directory is loaded with its own
//     vocabulary (tokenizer ids are model ids).
//   - the prefix tree holds the titles the policy may generate (the catalogue, or the RQ1 target
//     set) in model ids; its flows are the titles' rewards (history counts, or RQ1 counts).
//   - objective by method: sft and sft_temperature → SftObjective (the temperature only matters
//     when decoding), ifairlrs → IfairObjective, flower → FlowerObjective.
//   - the preference reward variants (flow_div_pref, flow_plus_log_pref) read SASRec scores of
//     the training rows: config.preference names a sasrec run of the store (options.storeFile)
//     or a scores file; with neither, the store's finished sasrec run for the dataset and the
//     run's seed (sasrec::findSasRecRun) is reused, or one is trained first and saved there as
//     a sasrec run (minutes on Movies_and_TV) for the next run; with no store either, a SASRec
//     is trained and kept in memory. `preferenceNote` says which, for the log.
// Ownership: the assembly owns everything (shared_ptr) and must outlive the trainer using it.
// Failure: flower::Error from whichever part rejects the config (file, field, what was expected).
#pragma once

#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/experiment_config.h"
#include "core/train/evaluator.h"
#include "core/train/objective.h"
#include "core/train/training_data.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace flower::data {
struct Dataset;
}
namespace flower::text {
class Tokenizer;
class VocabularyMap;
struct CategoryWords;
}  // namespace flower::text

namespace flower::flow {
class TitleTrie;
class FlowTable;
class PreferenceModel;
}  // namespace flower::flow

namespace flower::train {

struct RunAssembly {
    run::ExperimentConfig config;
    std::string device;  // "cpu" or "cuda"
    std::shared_ptr<const text::Tokenizer> tokenizer;
    std::shared_ptr<const text::VocabularyMap> vocabulary;  // null: model ids = tokenizer ids
    std::shared_ptr<const flow::TitleTrie> trie;            // in model ids
    std::shared_ptr<const flow::FlowTable> flows;
    model::Qwen2ForCausalLM model{nullptr};
    std::shared_ptr<const TrainingData> data;
    std::shared_ptr<Objective> objective;
    std::shared_ptr<Evaluator> evaluator;
    std::int64_t terminationId = 0;  // model id of the termination token
    std::shared_ptr<const flow::PreferenceModel> preference;  // null unless the variant needs one
    std::string preferenceNote;      // where the preference scores came from ("" without)

    // A few lines for logs: data sizes, vocabulary, trie, model parameters, device.
    std::string describe() const;
};

struct AssemblyOptions {
    std::filesystem::path storeFile;  // the run store, for "preference": {"run": id}; may be empty
};

RunAssembly assembleRun(const run::ExperimentConfig& config, const AssemblyOptions& options = {});

// The two steps of assembleRun that others repeat (the flow explorer's policy probe builds a
// row's prompt as training does):
//   - the dataset: a synthetic spec generated in memory, else the folder run/resource_locator.h
//     resolves, read by core/data;
//   - the prompt's category words (core/text/category_words.h), picked from the dataset's name
//     or folder and, for the Flower layout, its items file (info/<Category>_5_….txt). Only
//     BIGRec prompts name the category; the history-free prompt keeps its "movie".
data::Dataset loadConfiguredDataset(const run::ExperimentConfig& config);
text::CategoryWords promptWordsOf(const run::ExperimentConfig& config);

}  // namespace flower::train
