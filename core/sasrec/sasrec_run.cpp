#include "core/sasrec/sasrec_run.h"

#include "core/model/safetensors_writer.h"
#include "core/run/resource_locator.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/sasrec/sasrec_scores.h"
#include "core/sasrec/top_item_evaluation.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace flower::sasrec {

namespace fs = std::filesystem;

namespace {

// The settings that decide what a SASRec run computes (its config's "sasrec" block).
nlohmann::json settingsJson(const SasRecTrainingOptions& t, std::int64_t items) {
    return {{"items", items},
            {"max_length", t.model.maxLength},
            {"hidden", t.model.hidden},
            {"dropout", t.model.dropout},
            {"max_epochs", t.maxEpochs},
            {"patience", t.patience},
            {"batch_size", t.batchSize},
            {"lr", t.lr},
            {"eps", t.eps},
            {"weight_decay", t.weightDecay},
            {"k", t.ks},
            {"selection", "valid/ndcg@" + std::to_string(t.selectionK)}};
}

nlohmann::json configJson(const SasRecRunOptions& o, std::int64_t items) {
    return {{"name", o.name},
            {"method", "sasrec"},
            {"dataset", o.dataset},
            {"seed", o.training.seed},
            {"sasrec", settingsJson(o.training, items)}};
}

// Two dataset names of one folder: equal, or resolved (run::resolveDatasetDir) to one path.
bool sameDataset(const std::string& a, const std::string& b) {
    if (a == b) {
        return true;
    }
    try {
        std::error_code ec;
        const bool same = fs::equivalent(run::resolveDatasetDir(a), run::resolveDatasetDir(b), ec);
        return same && !ec;
    } catch (const Error&) {
        return false;  // a name that no longer resolves is not this dataset
    }
}

void writeMetrics(store::RunWriter& writer, const std::string& split, const RankingMetrics& m,
                  std::int64_t step) {
    for (const int k : m.ks()) {
        writer.evaluation(split, "ndcg", k, step, m.ndcg(k));
        writer.evaluation(split, "hr", k, step, m.hr(k));
    }
}

}  // namespace

SasRecRunSummary runSasRec(const data::Dataset& dataset, const SasRecRunOptions& options,
                           const std::function<void(const SasRecEpoch&)>& onEpoch,
                           const std::function<bool()>& cancel) {
    SasRecTrainer trainer(dataset, options.training);  // data errors before the run exists
    SasRecRunSummary summary;
    store::RunStore runs(options.storeFile);
    store::NewRun fresh;
    fresh.name = options.name;
    fresh.configJson = configJson(options, trainer.options().model.items).dump();
    fresh.method = "sasrec";
    fresh.dataset = options.dataset;
    fresh.seed = static_cast<std::int64_t>(options.training.seed);
    fresh.device = "cpu";
    summary.runId = runs.createRun(fresh);
    runs.startRun(summary.runId);
    store::RunWriter writer(options.storeFile, summary.runId);
    try {
        auto record = [&](const SasRecEpoch& e) {
            std::vector<store::NamedScalar> points;
            auto add = [&](std::string key, double value) {
                points.push_back({std::move(key), {e.epoch, static_cast<double>(e.epoch), value, 0.0}});
            };
            add("loss/bce", e.loss);
            for (const int k : e.valid.ks()) {
                add("valid/ndcg@" + std::to_string(k), e.valid.ndcg(k));
                add("valid/hr@" + std::to_string(k), e.valid.hr(k));
            }
            add("time/train_seconds", e.trainSeconds);
            add("time/eval_seconds", e.evalSeconds);
            writer.scalars(points);
            if (onEpoch) onEpoch(e);
        };
        summary.result = trainer.train(record, cancel);
        auto& r = summary.result;
        writeMetrics(writer, "valid", r.bestValid, r.bestEpoch);
        writeMetrics(writer, "test", r.test, r.bestEpoch);

        summary.scoresFile = runScoresPath(options.storeFile, summary.runId);
        const fs::path runDir = summary.scoresFile.parent_path();
        fs::create_directories(runDir / "best");
        std::vector<std::pair<std::string, at::Tensor>> splits;
        for (const char* name : {"train", "valid", "test"}) {
            splits.emplace_back(name, scoreRows(*r.model, trainer.split(name)));
        }
        // The reference's fairness/diversity figures of SASRec: each test row's top-1 item.
        const auto ranked = rankScores(splits[2].second, trainer.split("test").targets, {1});
        summary.testTopItems = evaluateTopItems(dataset, dataset.test, ranked.top);
        for (const auto& m : topItemMetrics(summary.testTopItems)) {
            writer.evaluation("test", m.metric, m.k, r.bestEpoch, m.value);
        }
        for (const auto& h : eval::groupHistograms(summary.testTopItems)) {
            writer.histogram(h.kind, r.bestEpoch, h.bins);
        }
        writeScores(summary.scoresFile, splits,
                    {{"run", std::to_string(summary.runId)}, {"best_epoch", std::to_string(r.bestEpoch)}});
        summary.weightsFile = runDir / "best" / "sasrec.safetensors";
        model::NamedTensors weights;
        for (const auto& p : r.model->named_parameters()) weights.emplace_back(p.key(), p.value().detach());
        const auto& c = trainer.options().model;
        model::writeSafetensors(summary.weightsFile, weights,
                                {{"format", "pt"},
                                 {"items", std::to_string(c.items)},
                                 {"max_length", std::to_string(c.maxLength)},
                                 {"hidden", std::to_string(c.hidden)},
                                 {"best_epoch", std::to_string(r.bestEpoch)}});
        runs.setNotes(summary.runId,
                      "Test DGU, MGU, entropy and TTR (stored at k = 1) come from each row's top-1 "
                      "item, as the reference computes SASRec's fairness and diversity; NDCG/HR rank "
                      "all items.");
        writer.checkpoint(r.bestEpoch, (runDir / "best").string(),
                          r.bestValid.ndcg(trainer.options().selectionK));
        writer.finish(r.cancelled ? store::RunStatus::Cancelled : store::RunStatus::Finished);
    } catch (const std::exception& e) {
        writer.finish(store::RunStatus::Failed, e.what());
        throw;
    }
    return summary;
}

std::optional<std::int64_t> findSasRecRun(const fs::path& storeFile, const std::string& dataset,
                                          const SasRecTrainingOptions& training, std::int64_t items) {
    if (!fs::exists(storeFile)) {
        return std::nullopt;
    }
    store::StoreOptions readOnly;
    readOnly.create = false;
    readOnly.readOnly = true;
    store::RunStore runs(storeFile, readOnly);
    const nlohmann::json wanted = settingsJson(training, items);
    std::optional<std::int64_t> found;
    for (const auto& info : runs.listRuns()) {
        if (info.method != "sasrec" || info.status != store::RunStatus::Finished ||
            info.seed != static_cast<std::int64_t>(training.seed)) {
            continue;
        }
        const auto config = nlohmann::json::parse(info.configJson, nullptr, false);
        if (config.is_discarded() || !config.is_object() || config.value("sasrec", nlohmann::json()) != wanted ||
            !sameDataset(info.dataset, dataset) || !fs::exists(runScoresPath(storeFile, info.id))) {
            continue;
        }
        if (!found || info.id > *found) {
            found = info.id;
        }
    }
    return found;
}

}  // namespace flower::sasrec
