// Rq1Evaluator with a scripted sampler: sample count (0 = tuning-set size), batching of the
// prompt, the metrics and divergences equal DistributionFit on the same generations, samples
// kept with titles, out-of-set decoding, a sampler that returns too few titles.
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "core/text/tokenizer.h"
#include "core/train/model_trie.h"
#include "core/train/rq1_evaluator.h"
#include "core/train/rq1_target.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <cmath>

using namespace flower::train;
using namespace flower::eval;
using Ids = std::vector<TokenId>;

namespace {
// Cycles {1,2}, {1,3}, {4}, {9} ({9} is out of set); records the batch sizes it was asked for.
struct Script {
    std::vector<std::int64_t> calls;
    std::size_t next = 0;
    Ids prompt;
    bool promptsOk = true;

    TitleSampler sampler() {
        return [this](flower::model::Qwen2ForCausalLMImpl&, const at::Tensor& ids,
                      const at::Tensor& mask, at::Generator&) {
            static const std::vector<Ids> cycle = {{1, 2}, {1, 3}, {4}, {9}};
            calls.push_back(ids.size(0));
            for (std::int64_t r = 0; r < ids.size(0); ++r) {
                const auto row = ids[r].contiguous();
                promptsOk = promptsOk && Ids(row.data_ptr<std::int64_t>(), row.data_ptr<std::int64_t>() + row.numel()) == prompt &&
                            mask[r].sum().item<std::int64_t>() == static_cast<std::int64_t>(prompt.size());
            }
            std::vector<Ids> out;
            for (std::int64_t r = 0; r < ids.size(0); ++r) out.push_back(cycle[next++ % cycle.size()]);
            return out;
        };
    }
};

DistributionFit tinyFit() { return DistributionFit({{1, 2}, {1, 3}, {4}}, {2, 1, 1}); }
}  // namespace

class TestRq1Evaluator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void metricsEqualTheFit();
    void exactProbabilitiesGiveExactMetrics();
    void zeroSamplesMeansTuningSetSize();
    void samplerReturningTooFewIsAnError();
    void fitOfATrie();
    void titleGroupsAsThePopularityGroups();
};

void TestRq1Evaluator::metricsEqualTheFit() {
    flower::model::Qwen2ForCausalLMImpl model(flower::model::qwen2Preset("nano", 16));
    Script script;
    script.prompt = {7, 8, 5};
    Rq1EvaluatorOptions o;
    o.samples = 10;
    o.batchSize = 4;
    o.keptSamples = 5;
    Rq1Evaluator ev(tinyFit(), {"A", "B", "C"}, script.prompt, script.sampler(), o,
                    [](std::span<const TokenId> ids) {
                        std::string s = "decoded ";
                        s.append(std::to_string(ids.size()));
                        return s;
                    });
    auto gen = at::detail::createCPUGenerator(1);
    const EvaluationResult r = ev.evaluate(model, 100, gen);
    QCOMPARE(script.calls, (std::vector<std::int64_t>{4, 4, 2}));
    QVERIFY(script.promptsOk);
    // 10 generations: {1,2} ×3, {1,3} ×3, {4} ×2, {9} ×2.
    std::vector<Ids> gens;
    for (int i = 0; i < 10; ++i) gens.push_back(std::vector<Ids>{{1, 2}, {1, 3}, {4}, {9}}[i % 4]);
    const DistributionFitResult expected = tinyFit().evaluate(gens);
    QCOMPARE(expected.titleCounts, (std::vector<std::int64_t>{3, 3, 2}));
    QCOMPARE(*r.find("valid/js_title"), expected.title.js);
    QCOMPARE(*r.find("valid/kl_tr_title"), expected.title.klTargetGenerated);
    QCOMPARE(*r.find("valid/kl_rt_title"), expected.title.klGeneratedTarget);
    QCOMPARE(*r.find("valid/js_token"), expected.token.js);
    QCOMPARE(*r.find("valid/kl_tr_token"), expected.token.klTargetGenerated);
    QCOMPARE(*r.find("valid/kl_rt_token"), expected.token.klGeneratedTarget);
    QCOMPARE(*r.find("valid/samples"), 10.0);
    QCOMPARE(*r.find("valid/out_of_set"), 2.0);
    QCOMPARE(r.divergences.size(), std::size_t{6});
    QCOMPARE(r.divergences[5].value, expected.token.js);
    QVERIFY(r.divergences[5].tokenLevel && r.divergences[5].kind == DivergenceValue::Kind::Js);
    QCOMPARE(r.divergences[0].value, expected.title.klTargetGenerated);
    QVERIFY(!r.divergences[0].tokenLevel && r.divergences[0].kind == DivergenceValue::Kind::KlTargetPolicy);
    QCOMPARE(r.samples.size(), std::size_t{5});
    QCOMPARE(r.samples[0].title, std::string("A"));
    QVERIFY(r.samples[0].valid);
    QCOMPARE(r.samples[3].title, std::string("decoded 1"));
    QVERIFY(!r.samples[3].valid);
    QVERIFY(!r.samples[0].logProb.has_value());  // no exact probabilities: nothing to say
    // Three titles: three groups, A (count 2) | B | C (a tie: fit order). Target shares
    // 2/4, 1/4, 1/4; sampled 3/8, 3/8, 2/8; d = −1/8, 1/8, 0.
    QCOMPARE(r.histograms.size(), std::size_t{2});
    QCOMPARE(r.histograms[0].kind, std::string("groups_recommended"));
    QCOMPARE(r.histograms[0].bins, (std::vector<double>{0.375, 0.375, 0.25}));
    QCOMPARE(r.histograms[1].kind, std::string("groups_target"));
    QCOMPARE(r.histograms[1].bins, (std::vector<double>{0.5, 0.25, 0.25}));
    QCOMPARE(*r.find("valid/dgu"), 0.25);
    QCOMPARE(*r.find("valid/mgu"), 0.25 / 3);
    QCOMPARE(ev.lastGenerations().size(), std::size_t{10});
}

void TestRq1Evaluator::exactProbabilitiesGiveExactMetrics() {
    flower::model::Qwen2ForCausalLMImpl model(flower::model::qwen2Preset("nano", 16));
    Script script;
    script.prompt = {7, 8, 5};
    Rq1EvaluatorOptions o;
    o.samples = 4;
    int calls = 0;
    bool sameModel = true;
    o.exact = [&](flower::model::Qwen2ForCausalLMImpl& m) -> std::vector<double> {
        sameModel = sameModel && &m == &model;
        ++calls;
        return {0.5, 0.3, 0.2};
    };
    Rq1Evaluator ev(tinyFit(), {"A", "B", "C"}, script.prompt, script.sampler(), o);
    auto gen = at::detail::createCPUGenerator(1);
    const EvaluationResult r = ev.evaluate(model, 7, gen);
    QCOMPARE(calls, 1);
    QVERIFY(sameModel);
    const DistributionFitResult expected = tinyFit().evaluateProbabilities(std::vector<double>{0.5, 0.3, 0.2});
    QCOMPARE(*r.find("valid/js_title_exact"), expected.title.js);
    QCOMPARE(*r.find("valid/kl_tr_title_exact"), expected.title.klTargetGenerated);
    QCOMPARE(*r.find("valid/kl_rt_title_exact"), expected.title.klGeneratedTarget);
    QCOMPARE(*r.find("valid/js_token_exact"), expected.token.js);
    QCOMPARE(*r.find("valid/kl_tr_token_exact"), expected.token.klTargetGenerated);
    QCOMPARE(*r.find("valid/kl_rt_token_exact"), expected.token.klGeneratedTarget);
    QVERIFY(!r.find("valid/samples_exact"));
    QVERIFY(r.find("valid/js_title"));  // the sampled ones stay
    // Each kept sample's log-probability is its title's exact one; out of set has none.
    QCOMPARE(r.samples.size(), std::size_t{4});
    QCOMPARE(*r.samples[0].logProb, std::log(0.5));
    QCOMPARE(*r.samples[1].logProb, std::log(0.3));
    QCOMPARE(*r.samples[2].logProb, std::log(0.2));
    QVERIFY(!r.samples[3].logProb.has_value());
}

void TestRq1Evaluator::zeroSamplesMeansTuningSetSize() {
    flower::model::Qwen2ForCausalLMImpl model(flower::model::qwen2Preset("nano", 16));
    Script script;
    script.prompt = {3};
    Rq1EvaluatorOptions o;
    o.samples = 0;
    o.tuningSetSize = 130;
    o.batchSize = 64;
    Rq1Evaluator ev(tinyFit(), {"A", "B", "C"}, script.prompt, script.sampler(), o);
    auto gen = at::detail::createCPUGenerator(1);
    const auto r = ev.evaluate(model, 0, gen);
    QCOMPARE(script.calls, (std::vector<std::int64_t>{64, 64, 2}));
    QCOMPARE(*r.find("valid/samples"), 130.0);
    QCOMPARE(r.samples[3].title, std::string("[9]"));  // no decoder: the ids
}

void TestRq1Evaluator::samplerReturningTooFewIsAnError() {
    flower::model::Qwen2ForCausalLMImpl model(flower::model::qwen2Preset("nano", 16));
    Rq1EvaluatorOptions o;
    o.samples = 4;
    Rq1Evaluator ev(tinyFit(), {"A", "B", "C"}, {3},
                    [](flower::model::Qwen2ForCausalLMImpl&, const at::Tensor&, const at::Tensor&,
                       at::Generator&) { return std::vector<Ids>{{4}}; },
                    o);
    auto gen = at::detail::createCPUGenerator(1);
    QVERIFY_THROWS_EXCEPTION(flower::Error, ev.evaluate(model, 0, gen));
    QVERIFY_THROWS_EXCEPTION(flower::Error, Rq1Evaluator(tinyFit(), {"A"}, {3}, Script().sampler(), o));
}

// Tiny tokenizer: "xyz" → [120,121,122], "ab" → [256]; the fit follows the trie's order and ids.
void TestRq1Evaluator::fitOfATrie() {
    const auto tok = flower::text::Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny");
    const Rq1Target t{{"xyz", "ab"}, {1, 5}, "t"};
    const ModelTrie m = ModelTrie::forRq1Target(t, tok, 10);
    const DistributionFit fit = distributionFitOf(m);
    const auto titles = trieTitles(m);
    QCOMPARE(titles.size(), std::size_t{2});
    for (std::size_t i = 0; i < titles.size(); ++i) {
        const auto idx = *m.trie.findTitle(titles[i]);
        QCOMPARE(static_cast<std::size_t>(idx), i);
        QCOMPARE(fit.targetCounts()[i], titles[i] == "ab" ? 5.0 : 1.0);
    }
    QCOMPARE(*fit.titleOf(Ids{120, 121, 122}), static_cast<std::size_t>(*m.trie.findTitle("xyz")));
}

void TestRq1Evaluator::titleGroupsAsThePopularityGroups() {
    // 10 titles into 8 groups: the first 10 mod 8 = 2 groups hold two titles.
    const std::vector<double> counts = {1, 9, 3, 10, 2, 8, 4, 7, 5, 6};
    QCOMPARE(titleGroups(counts, 8), (std::vector<int>{7, 0, 5, 0, 6, 1, 4, 1, 3, 2}));
    QCOMPARE(titleGroups({5, 5, 1}, 8), (std::vector<int>{0, 1, 2}));  // fewer titles than 8
    const GroupShares s = groupShares({3, 1}, {0, 4}, 8);
    QCOMPARE(s.target, (std::vector<double>{0.75, 0.25}));
    QCOMPARE(s.sampled, (std::vector<double>{0.0, 1.0}));
    QCOMPARE(s.dgu, 1.5);
    QCOMPARE(s.mgu, 0.75);
    QVERIFY(groupShares({3, 1}, {0, 0}, 8).sampled.empty());  // nothing in the set generated
}

FLOWER_TEST_MAIN(TestRq1Evaluator, metricsEqualTheFit, exactProbabilitiesGiveExactMetrics,
                 zeroSamplesMeansTuningSetSize,
                 samplerReturningTooFewIsAnError, fitOfATrie,
                 titleGroupsAsThePopularityGroups)
#ifdef FLOWER_TEST_QT
#include "test_rq1_evaluator.moc"
#endif
