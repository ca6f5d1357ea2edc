// runSasRec: one SASRec training run in the run store, as `flower sasrec train` (and later the
// workbench) starts it — registered with method "sasrec"; every epoch's training loss,
// validation HR@K / NDCG@K and timings as series (step = epoch: "loss/bce", "valid/ndcg@20",
// "valid/hr@5", "time/train_seconds", "time/eval_seconds"); the best epoch's validation and the
// kept model's test metrics in `evaluations` (step = best epoch), with the test split's
// fairness/diversity figures from each row's top-1 item (top_item_evaluation.h: stored at k = 1)
// and their group histograms (`histograms`, step = best epoch); the kept model's weights
// (runs/<id>/best/sasrec.safetensors, the reference's parameter names) and the raw scores of
// every train/valid/test row (runs/<id>/sasrec_scores.safetensors, sasrec_scores.h).
// Failure: flower::Error before training (data, store); an error while training marks the run
// failed and is rethrown.
#pragma once

#include "core/data/dataset.h"
#include "core/eval/recommendation_evaluation.h"
#include "core/sasrec/sasrec_trainer.h"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace flower::sasrec {

struct SasRecRunOptions {
    SasRecTrainingOptions training;
    std::string name;                 // run name in the store
    std::string dataset;              // as the user named it (runs.dataset)
    std::filesystem::path storeFile;
};

struct SasRecRunSummary {
    std::int64_t runId = 0;
    SasRecTrainingResult result;
    eval::RecommendationReport testTopItems;  // the test split's top-1 items (top_item_evaluation.h)
    std::filesystem::path scoresFile, weightsFile;
};

SasRecRunSummary runSasRec(const data::Dataset& dataset, const SasRecRunOptions& options,
                           const std::function<void(const SasRecEpoch&)>& onEpoch = {},
                           const std::function<bool()>& cancel = {});

// A finished sasrec run of the store that `runSasRec` with these options would repeat: same
// dataset (the same name, or names of one folder once resolved: run::resolveDatasetDir), same
// seed, same settings (the config's "sasrec" block: items, sizes, epochs, patience, optimiser),
// with its scores file present; the newest such run. None when the store file does not exist.
// Failure: flower::Error from the store (unreadable file).
std::optional<std::int64_t> findSasRecRun(const std::filesystem::path& storeFile,
                                          const std::string& dataset,
                                          const SasRecTrainingOptions& training, std::int64_t items);

}  // namespace flower::sasrec
