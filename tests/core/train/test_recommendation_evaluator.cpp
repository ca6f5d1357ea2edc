// RecommendationEvaluator through assembleRun on a nano model and a small synthetic catalogue:
// the stored metrics equal core/eval's on a predictions file built here from an independent
// beam search over the same rows (what `flower recommend` + `flower metrics` compute), the
// histograms equal eval::groupHistograms, samples are catalogue titles; the validation subset
// is fixed; early stopping monitors valid/ndcg@5; the test split is ranked with the weights
// of the best checkpoint. Needs the default tokenizer (scripts/setup.sh); skips without.
#include "core/data/dataset.h"
#include "core/data/synthetic_catalog.h"
#include "core/decode/beam_search.h"
#include "core/eval/predictions_file.h"
#include "core/eval/recommendation_evaluation.h"
#include "core/eval/title_catalogue.h"
#include "core/model/checkpoint_reader.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/experiment_config.h"
#include "core/run/resource_locator.h"
#include "core/train/bigrec_data.h"
#include "core/train/recommendation_evaluator.h"
#include "core/train/run_assembly.h"
#include "core/train/trainer.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

using flower::run::ExperimentConfig;
namespace fs = std::filesystem;
namespace train = flower::train;

namespace {

const char* kSpec = "synthetic:items=40,users=120,seed=5,zipf=1.1";

ExperimentConfig smallRun(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> o = {"model=nano", "device=cpu", "dtype=float32", "method=sft",
                                  std::string("dataset=") + kSpec, "batch_size=8",
                                  "micro_batch_size=8", "epochs=1", "max_steps=4", "seed=3",
                                  "evaluation.beams=5", "evaluation.k=[1,3,5]", "evaluation.rows=12", "evaluation.test=true",
                                  "optimizer.lr=0.01", "optimizer.warmup_steps=0"};
    o.insert(o.end(), extra.begin(), extra.end());
    return ExperimentConfig::load(fs::path(FLOWER_EXPERIMENTS_DIR) / "demo.json", o);
}

bool haveTokenizer() { return fs::exists(flower::util::defaultTokenizerPath()); }

std::map<std::string, double> byKey(const train::EvaluationResult& r, const std::string& split) {
    std::map<std::string, double> out;
    for (const auto& m : r.metrics) {
        if (m.split == split) out[m.key()] = m.value;
    }
    return out;
}

// What `flower recommend --rows … --out` + `flower metrics` give for `rows` of `split`:
// an independent beam search over the rows' prompts, the predictions file round trip, core/eval.
flower::eval::RecommendationReport referenceReport(train::RunAssembly& a,
                                                   const flower::data::Dataset& dataset,
                                                   train::Split split,
                                                   const std::vector<std::int64_t>& rows,
                                                   const fs::path& file,
                                                   flower::decode::BeamSearchResult* found) {
    const auto& data = dynamic_cast<const train::BigRecData&>(*a.data);
    std::vector<std::vector<flower::text::TokenId>> prompts;
    for (auto r : rows) {
        const auto ids = data.promptIds(split, r);
        prompts.emplace_back(ids.begin(), ids.end());
    }
    auto options = flower::decode::decodingOptions("beam");
    options.beams = a.config.evaluation.beams;
    *found = flower::decode::beamSearch(*a.model, *a.trie, prompts, options);
    const auto& part = split == train::Split::Test ? dataset.test : dataset.valid;
    std::vector<flower::eval::Prediction> predictions;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        flower::eval::Prediction p;
        p.output = dataset.catalog.title(part.rows()[static_cast<std::size_t>(rows[i])].target) + "\n";
        for (const auto& h : found->titles[i]) {
            p.predict.push_back(a.trie->title(h.title));
            p.predictScore.push_back(h.score);
        }
        predictions.push_back(std::move(p));
    }
    flower::eval::PredictionsFile(std::move(predictions)).write(file);
    const auto back = flower::eval::PredictionsFile::read(file);
    flower::eval::MetricsOptions mo;
    mo.ks = {1, 3, 5};
    return flower::eval::evaluateRecommendations(flower::eval::recommendationRows(back),
                                                 flower::eval::TitleCatalogue(dataset), mo);
}

void compareWithReference(const train::EvaluationResult& result, const std::string& split,
                          const flower::eval::RecommendationReport& report) {
    const auto got = byKey(result, split);
    const auto expected = flower::eval::storedMetrics(report);
    QVERIFY(expected.size() >= 20);
    for (const auto& m : expected) {
        const std::string key = split + "/" + m.metric + (m.k > 0 ? "@" + std::to_string(m.k) : "");
        QVERIFY2(got.count(key), key.c_str());
        QVERIFY2(std::abs(got.at(key) - m.value) <= 1e-12, key.c_str());
    }
    const auto histograms = flower::eval::groupHistograms(report);
    QCOMPARE(result.histograms.size(), histograms.size());
    const std::string prefix = split == "test" ? "test/" : "";
    for (std::size_t i = 0; i < histograms.size(); ++i) {
        QCOMPARE(result.histograms[i].kind, prefix + histograms[i].kind);
        QCOMPARE(result.histograms[i].bins, histograms[i].bins);
    }
}

}  // namespace

class TestRecommendationEvaluator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void validMetricsEqualCoreEvalOnTheSameLists();
    void testSplitIsRankedWithTheBestCheckpoint();
    void guidanceNeedsScoresOfTheSplit();
};

void TestRecommendationEvaluator::validMetricsEqualCoreEvalOnTheSameLists() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    const auto config = smallRun();
    auto a = train::assembleRun(config);
    const auto dataset = flower::data::generateSynthetic(flower::run::parseSyntheticSpec(kSpec)).dataset;
    QVERIFY(a.evaluator->evaluatesTest());  // bigrec: test on by default

    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
    a.model->eval();
    const auto result = a.evaluator->evaluate(*a.model, 0, gen);
    QVERIFY(result.find("valid/loss").has_value());  // the loss stays (ValidationEvaluator)

    // The same 12 rows of the valid split at every evaluation, and for every evaluator built
    // from the same seed.
    const auto data = std::dynamic_pointer_cast<const train::BigRecData>(a.data);
    train::RecommendationEvaluatorOptions o;
    o.rows = 12;
    o.seed = 3;
    const train::RecommendationEvaluator again(data, a.trie,
                                               std::make_shared<flower::eval::TitleCatalogue>(dataset),
                                               dataset.catalog.titles(), o);
    const auto rows = again.evaluatedRows(train::Split::Valid);
    QCOMPARE(rows.size(), std::size_t{12});
    QVERIFY(std::is_sorted(rows.begin(), rows.end()));
    QCOMPARE(std::set<std::int64_t>(rows.begin(), rows.end()).size(), std::size_t{12});
    QVERIFY(rows.back() < static_cast<std::int64_t>(dataset.valid.size()));
    QVERIFY(rows.back() >= 12);  // a drawn subset, not the first rows

    flower::test::TempDir dir("receval");
    flower::decode::BeamSearchResult found;
    const auto report =
        referenceReport(a, dataset, train::Split::Valid, rows, dir.path() / "valid.json", &found);
    compareWithReference(result, "valid", report);

    // HR@5 by hand: rows whose target is among the five titles.
    int hits = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& target = dataset.catalog.title(dataset.valid.rows()[static_cast<std::size_t>(rows[i])].target);
        for (const auto& h : found.titles[i]) hits += a.trie->title(h.title) == target ? 1 : 0;
    }
    QCOMPARE(*result.find("valid/hr@5"), hits / 12.0);

    // Samples: every row's list (12 < sampleRows 20), catalogue titles, log-probabilities.
    std::set<std::string> catalogue(dataset.catalog.titles().begin(), dataset.catalog.titles().end());
    std::size_t expected = 0;
    for (const auto& list : found.titles) expected += list.size();
    QCOMPARE(result.samples.size(), expected);
    std::size_t s = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (const auto& h : found.titles[i]) {
            const auto& sample = result.samples[s++];
            QCOMPARE(sample.promptId, rows[i]);
            QCOMPARE(sample.title, a.trie->title(h.title));
            QVERIFY(catalogue.count(sample.title));
            QVERIFY(sample.valid);
            QVERIFY(sample.logProb && *sample.logProb < 0);
            QVERIFY(std::abs(*sample.logProb - h.sumScore) < 1e-9);
        }
    }
}

// A short SFT run evaluated every step, early stopping on valid/ndcg@5 (mode max): each
// evaluation's monitored value is its valid/ndcg@5, `best` is the first maximum, and the
// end-of-training test evaluation equals the test split ranked by a model loaded from `best`.
void TestRecommendationEvaluator::testSplitIsRankedWithTheBestCheckpoint() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    const auto config = smallRun({"evaluation.every_steps=1", "early_stopping.metric=valid/ndcg@5",
                                  "early_stopping.mode=max", "early_stopping.patience=10"});
    auto a = train::assembleRun(config);
    const auto dataset = flower::data::generateSynthetic(flower::run::parseSyntheticSpec(kSpec)).dataset;
    flower::test::TempDir dir("receval-best");
    train::Trainer trainer(a.model, a.objective, a.data, a.evaluator,
                           train::TrainerOptions::fromConfig(config, dir.path() / "ck"));
    std::vector<train::EvaluationEvent> events;
    std::vector<train::EvaluationProgress> progress;
    train::TrainerHooks hooks;
    hooks.onEvaluation = [&](const train::EvaluationEvent& e) { events.push_back(e); };
    hooks.onEvaluationProgress = [&](const train::EvaluationProgress& p) { progress.push_back(p); };
    const auto result = trainer.train(hooks);
    QCOMPARE(result.steps, std::int64_t{4});
    QCOMPARE(events.size(), std::size_t{5});  // steps 1..4, then the test
    std::int64_t bestStep = -1;
    double best = -1;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        const auto& e = events[i];
        QCOMPARE(e.split, std::string("valid"));
        QVERIFY(e.monitored.has_value());
        QCOMPARE(*e.monitored, *e.result.find("valid/ndcg@5"));
        if (*e.monitored > best) {
            best = *e.monitored;
            bestStep = e.step;
        }
    }
    QCOMPARE(result.bestStep, bestStep);
    const auto& test = events.back();
    QCOMPARE(test.split, std::string("test"));
    QCOMPARE(test.step, std::int64_t{4});
    QCOMPARE(test.weightsStep, bestStep);
    QVERIFY(!test.result.find("valid/loss"));
    QVERIFY(test.result.find("test/ndcg@5").has_value());
    for (const auto& s : test.result.samples) QVERIFY(s.promptId < static_cast<std::int64_t>(dataset.test.size()));

    // Progress: valid (12 rows) at each evaluation, the whole test split at the end.
    QVERIFY(!progress.empty());
    QCOMPARE(progress.back().split, std::string("test"));
    QCOMPARE(progress.back().done, static_cast<std::int64_t>(dataset.test.size()));
    QCOMPARE(progress.front().total, std::int64_t{12});

    // The same ranking from a fresh model holding the best checkpoint's weights.
    auto fresh = train::assembleRun(config);
    {
        torch::NoGradGuard noGrad;
        flower::model::loadQwen2Weights(*fresh.model,
                                        flower::model::CheckpointReader(dir.path() / "ck" / "best"));
    }
    fresh.model->eval();
    std::vector<std::int64_t> all(dataset.test.size());
    std::iota(all.begin(), all.end(), 0);
    flower::decode::BeamSearchResult found;
    const auto report = referenceReport(fresh, dataset, train::Split::Test, all, dir.path() / "test.json", &found);
    compareWithReference(test.result, "test", report);
}

void TestRecommendationEvaluator::guidanceNeedsScoresOfTheSplit() {
    if (!haveTokenizer()) QSKIP("the default tokenizer is missing (scripts/setup.sh fetches it)");
    const auto a = train::assembleRun(smallRun());
    const auto dataset = flower::data::generateSynthetic(flower::run::parseSyntheticSpec(kSpec)).dataset;
    train::RecommendationEvaluatorOptions o;
    o.search.guidance = 0.5;
    const auto items = static_cast<std::int64_t>(dataset.catalog.size());
    const auto make = [&](at::Tensor valid, at::Tensor test) {
        train::RecommendationEvaluator e(std::dynamic_pointer_cast<const train::BigRecData>(a.data), a.trie,
                                         std::make_shared<flower::eval::TitleCatalogue>(dataset),
                                         dataset.catalog.titles(), o, valid, test);
    };
    const auto validRows = static_cast<std::int64_t>(dataset.valid.size());
    const auto testRows = static_cast<std::int64_t>(dataset.test.size());
    QVERIFY_THROWS_EXCEPTION(flower::Error, make({}, {}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, make(torch::zeros({validRows, items + 1}), torch::zeros({testRows, items})));
    make(torch::zeros({validRows, items}), torch::zeros({testRows, items}));  // the right shapes
}

FLOWER_TEST_MAIN(TestRecommendationEvaluator, validMetricsEqualCoreEvalOnTheSameLists,
                 testSplitIsRankedWithTheBestCheckpoint, guidanceNeedsScoresOfTheSplit)
#ifdef FLOWER_TEST_QT
#include "test_recommendation_evaluator.moc"
#endif
