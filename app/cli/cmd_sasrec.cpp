// `flower sasrec train` and `flower sasrec scores`: the SASRec baseline (core/sasrec) — a run in
// the store (method sasrec, per-epoch series, test metrics in evaluations, raw scores of every
// row next to the run) and one split of its cached scores as a safetensors file.
// Progress goes to stdout, or to stderr with --json (stdout is then one JSON document).
#include "command.h"

#include "core/data/dataset.h"
#include "core/run/resource_locator.h"
#include "core/sasrec/sasrec_run.h"
#include "core/sasrec/sasrec_scores.h"
#include "core/sasrec/top_item_evaluation.h"
#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "core/util/error.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

namespace fs = std::filesystem;
using flower::Error;
using nlohmann::ordered_json;
namespace sasrec = flower::sasrec;

struct TrainArgs {
    std::string dataset, db, name;
    int epochs = 200;
    std::int64_t seed = 1;
    bool json = false;
};

struct ScoresArgs {
    std::int64_t run = 0;
    std::string split, out, db;
};

fs::path storeFile(const std::string& db) {
    return db.empty() ? flower::store::defaultStorePath() : fs::path(db);
}

ordered_json metricsJson(const sasrec::RankingMetrics& m) {
    ordered_json j = ordered_json::object();
    for (const int k : m.ks()) j["ndcg@" + std::to_string(k)] = m.ndcg(k);
    for (const int k : m.ks()) j["hr@" + std::to_string(k)] = m.hr(k);
    return j;
}

void train(const TrainArgs& a) {
    const fs::path dir = flower::run::resolveDatasetDir(a.dataset);
    const flower::data::Dataset dataset = flower::data::loadDataset(dir);
    sasrec::SasRecRunOptions o;
    o.training.maxEpochs = a.epochs;
    o.training.seed = static_cast<std::uint64_t>(a.seed);
    o.dataset = a.dataset;
    o.name = a.name.empty() ? "sasrec-" + dir.filename().string() : a.name;
    o.storeFile = storeFile(a.db);
    std::FILE* log = a.json ? stderr : stdout;
    std::fprintf(log, "SASRec on %s: %zu items, %zu / %zu / %zu train/valid/test rows, up to %d epochs, seed %lld\n",
                 dir.string().c_str(), dataset.catalog.size(), dataset.train.size(), dataset.valid.size(),
                 dataset.test.size(), a.epochs, static_cast<long long>(a.seed));
    const auto summary = sasrec::runSasRec(dataset, o, [&](const sasrec::SasRecEpoch& e) {
        std::fprintf(log, "epoch %3d  loss %.4f  valid NDCG@20 %.4f HR@20 %.4f  (train %.2f s, eval %.2f s)%s\n",
                     e.epoch, e.loss, e.valid.ndcg(20), e.valid.hr(20), e.trainSeconds, e.evalSeconds,
                     e.best ? "  best" : "");
        std::fflush(log);
    });
    const auto& r = summary.result;
    ordered_json s;
    s["run_id"] = summary.runId;
    s["name"] = o.name;
    s["method"] = "sasrec";
    s["status"] = r.cancelled ? "cancelled" : "finished";
    s["best_epoch"] = r.bestEpoch;
    s["epochs"] = r.epochsRun;
    s["stopped_early"] = r.stoppedEarly;
    s["seconds"] = r.seconds;
    s["seconds_to_best"] = r.secondsToBest;
    s["valid"] = metricsJson(r.bestValid);
    s["test"] = metricsJson(r.test);
    s["note"] = "SASRec ranks all items by score (no history exclusion); its fairness and diversity "
                "figures, as the reference computes them, use each row's top-1 item (stored at k = 1)";
    const auto& top = summary.testTopItems;
    ordered_json top1 = ordered_json::object();
    for (const auto& m : sasrec::topItemMetrics(top)) top1[m.metric + "@1"] = m.value;
    s["test_top1"] = top1;
    s["scores"] = summary.scoresFile.string();
    s["weights"] = summary.weightsFile.string();
    if (a.json) {
        std::printf("%s\n", s.dump().c_str());
        return;
    }
    std::printf("run %lld (sasrec): best epoch %d of %d (%.1f s to the best, %.1f s in all)\n",
                static_cast<long long>(summary.runId), r.bestEpoch, r.epochsRun, r.secondsToBest, r.seconds);
    std::printf("  test  NDCG@5 %.4f HR@5 %.4f  NDCG@10 %.4f HR@10 %.4f  NDCG@20 %.4f HR@20 %.4f\n",
                r.test.ndcg(5), r.test.hr(5), r.test.ndcg(10), r.test.hr(10), r.test.ndcg(20), r.test.hr(20));
    double dgu = 0, mgu = 0;
    for (const auto& m : top.atK) {
        if (m.k == 1) {
            dgu = m.dgu;
            mgu = m.mgu;
        }
    }
    std::printf("  test, each row's top-1 item (as the reference; stored at k = 1): DGU %.4f MGU %.4f "
                "H %.4f TTR %.4f\n",
                dgu, mgu, top.lexical.entropyBits, top.lexical.ttr);
    std::printf("  scores of every row: %s\n", summary.scoresFile.string().c_str());
}

void scores(const ScoresArgs& a) {
    const fs::path file = storeFile(a.db);
    flower::store::StoreOptions options;
    options.create = false;
    options.readOnly = true;
    const auto info = flower::store::RunStore(file, options).run(a.run);
    if (info.method != "sasrec") {
        throw Error({file.string(), 0, "run"}, "run " + std::to_string(a.run) + " is a " + info.method +
                                                   " run, not sasrec");
    }
    const sasrec::SasRecScores cached(sasrec::runScoresPath(file, a.run));
    const auto t = cached.split(a.split);
    sasrec::writeScores(a.out, {{a.split, t}}, {{"run", std::to_string(a.run)}});
    std::printf("wrote %s: %s scores [%lld, %lld] of run %lld\n", a.out.c_str(), a.split.c_str(),
                static_cast<long long>(t.size(0)), static_cast<long long>(t.size(1)),
                static_cast<long long>(a.run));
}

const flower::cli::Registration kSasrec(50, [](CLI::App& root) {
    auto* group = root.add_subcommand("sasrec", "The SASRec baseline: train it, export its scores");
    group->require_subcommand(1);

    auto t = std::make_shared<TrainArgs>();
    auto* train_ = group->add_subcommand(
        "train", "Train SASRec as the Flower authors do (BCE with one negative, Adam, best "
                 "validation NDCG@20, 20 epochs' patience) and store the run, its metrics and scores");
    train_->add_option("--dataset", t->dataset, "Dataset folder or name (Movies_and_TV, ...)")->required();
    train_->add_option("--db", t->db, "Run store (SQLite); default: $FLOWER_RUNS_DB, "
                                      "./experiments/runs.sqlite or ./runs.sqlite");
    train_->add_option("--epochs", t->epochs, "Most epochs (default 200)")->check(CLI::PositiveNumber);
    train_->add_option("--seed", t->seed, "Seed of initialisation, order, negatives, dropout (default 1)")
        ->check(CLI::NonNegativeNumber);
    train_->add_option("--name", t->name, "Run name (default sasrec-<dataset folder>)");
    train_->add_flag("--json", t->json, "Print one JSON summary on stdout (progress goes to stderr)");
    train_->callback([t] { train(*t); });

    auto s = std::make_shared<ScoresArgs>();
    auto* scores_ = group->add_subcommand(
        "scores", "Write one split's raw SASRec scores (float32 [rows, items]) of a sasrec run");
    scores_->add_option("run", s->run, "Run id of a `flower sasrec train` run")->required();
    scores_->add_option("--split", s->split, "train, valid or test")
        ->required()
        ->check(CLI::IsMember({"train", "valid", "test"}));
    scores_->add_option("--out", s->out, "Output .safetensors file")->required();
    scores_->add_option("--db", s->db, "Run store (SQLite); default as for `flower runs`");
    scores_->callback([s] { scores(*s); });
});

}  // namespace
