// Rq1Evaluator: the paper's RQ1 measurement as a train::Evaluator. It draws `samples` titles
// from the policy for the fixed history-free prompt (trie-constrained sampling at the
// configured temperature — supplied as a TitleSampler, normally a lambda around
// sampleTitles() of core/train/trie_sampler.h), then compares them with the target counts
// through DistributionFit at title and token level.
// Results: six DivergenceValues and the same values as MetricValues of split "valid":
//   js_title, kl_tr_title (KL(T‖R)), kl_rt_title (KL(R‖T)), js_token, kl_tr_token, kl_rt_token,
//   plus samples and out_of_set (generations that are not a target title, dropped at title
//   level); the first `keptSamples` generations as SampleValues; with options.exact also
//   js_title_exact … kl_rt_token_exact, and each kept sample of a target title gets its
//   title's exact log-probability under the evaluation's sampling. Popularity groups: the
//   target titles ranked by target count, cut into `groupCount` groups (as data::
//   PopularityGroups); histograms groups_recommended (shares of the in-set generations) and
//   groups_target (shares of the target mass), and metrics dgu / mgu of their difference
//   (d_g = generated − target share). The validation loss is the
//   trainer's, not added here.
// Randomness: only `generator`, passed to the sampler. Runs on the worker thread; the sampler
// decides batching per call (it gets `batchSize` copies of the prompt, the last call fewer).
// Failure: flower::Error when the sampler returns another number of titles than prompts.
#pragma once

#include "core/text/token_id.h"
#include "core/eval/distribution_fit.h"
#include "core/train/evaluator.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace flower::train {

struct ModelTrie;

// One generated title per prompt row: token ids in the model's id space, termination excluded.
// promptIds/promptMask: [B, P] int64 (left-padded; here all rows are the same prompt).
using TitleSampler = std::function<std::vector<std::vector<text::TokenId>>(
    model::Qwen2ForCausalLMImpl& model, const at::Tensor& promptIds, const at::Tensor& promptMask,
    at::Generator& generator)>;

// The policy's exact probability of each target title (fit order) under the evaluation's
// sampling, e.g. exp(titleDistribution(...).constrained) of core/train/title_distribution.h.
using ExactTitleProbabilities =
    std::function<std::vector<double>(model::Qwen2ForCausalLMImpl& model)>;

// Text of a generation for the samples table (e.g. tokenizer.decode(vocabulary.toTokenizer(ids))).
using TitleDecoder = std::function<std::string(std::span<const text::TokenId> ids)>;

struct Rq1EvaluatorOptions {
    std::int64_t samples = 0;          // evaluation.samples; 0 = tuningSetSize
    std::int64_t tuningSetSize = 6400; // the reference's 6,400 for 100 titles
    std::int64_t batchSize = 64;       // prompts per sampler call
    std::size_t keptSamples = 20;      // generations kept as SampleValues
    std::string split = "valid";       // split name of the metrics
    int groupCount = 8;                // popularity groups of the histograms (fewer titles: fewer)
    // When set, the same six divergences computed from the exact title probabilities
    // (DistributionFit::evaluateProbabilities) are reported too, as <name>_exact: free of the
    // sampling noise (a JS floor of ≈ (K−1)/(8N) ≈ 0.002 for 100 titles and 6,400 samples).
    ExactTitleProbabilities exact;
};

class Rq1Evaluator : public Evaluator {
public:
    // promptIds: the history-free prompt in the model's id space (HistoryFreeData::promptIds()).
    // titles: names of the fit's target titles, in its order (for the samples table).
    Rq1Evaluator(eval::DistributionFit fit, std::vector<std::string> titles,
                 std::vector<text::TokenId> promptIds, TitleSampler sampler,
                 Rq1EvaluatorOptions options = {}, TitleDecoder decoder = {});

    EvaluationResult evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                              at::Generator& generator) override;

    // The generations of the last evaluate() (for tests and the demo's table).
    const std::vector<std::vector<text::TokenId>>& lastGenerations() const { return last_; }
    const eval::DistributionFitResult& lastFit() const { return lastFit_; }
    std::int64_t sampleCount() const;

private:
    eval::DistributionFit fit_;
    std::vector<std::string> titles_;
    std::vector<text::TokenId> prompt_;
    TitleSampler sampler_;
    Rq1EvaluatorOptions options_;
    TitleDecoder decoder_;
    std::vector<std::vector<text::TokenId>> last_;
    eval::DistributionFitResult lastFit_;
};

// The fit of a trie built by ModelTrie::forRq1Target: its titles in trie order, their tokens in
// the trie's (model) ids, counts = rewards — the same ids the trie-constrained sampler produces.
// Error when a reward is not > 0.
eval::DistributionFit distributionFitOf(const ModelTrie& trie,
                                        eval::OutOfSetPolicy policy = eval::OutOfSetPolicy::Drop);
// The titles of the trie in trie order (Rq1Evaluator's `titles` for distributionFitOf).
std::vector<std::string> trieTitles(const ModelTrie& trie);

// Group of each title (index order) when titles are ranked by count descending (ties: index
// order) and cut into min(groupCount, n) groups of near-equal size, the first n mod G one
// larger; group 0 the most counted.
std::vector<int> titleGroups(const std::vector<double>& counts, int groupCount);

struct GroupShares {
    std::vector<double> target;   // share of the target mass per group
    std::vector<double> sampled;  // share of the in-set generations per group; empty when none
    double dgu = 0;               // max_g d_g − min_g d_g, d_g = sampled_g − target_g
    double mgu = 0;               // mean_g |d_g|
};
// Both empty for no titles or mismatched sizes.
GroupShares groupShares(const std::vector<double>& targetCounts,
                        const std::vector<std::int64_t>& sampledCounts, int groupCount);

// The six divergences and two counts as metrics of `split` (what Rq1Evaluator reports).
std::vector<MetricValue> distributionFitMetrics(const eval::DistributionFitResult& fit,
                                                const std::string& split);

}  // namespace flower::train
