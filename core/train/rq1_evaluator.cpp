#include "core/train/rq1_evaluator.h"

#include "core/eval/recommendation_evaluation.h"
#include "core/train/model_trie.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace flower::train {

eval::DistributionFit distributionFitOf(const ModelTrie& trie, eval::OutOfSetPolicy policy) {
    std::vector<std::vector<text::TokenId>> tokens;
    for (std::size_t t = 0; t < trie.trie.titleCount(); ++t) {
        const auto ids = trie.trie.titleTokens(static_cast<flow::TitleIndex>(t));
        tokens.emplace_back(ids.begin(), ids.end());
    }
    return eval::DistributionFit(std::move(tokens), trie.rewards, policy);
}

std::vector<std::string> trieTitles(const ModelTrie& trie) {
    std::vector<std::string> titles;
    for (std::size_t t = 0; t < trie.trie.titleCount(); ++t) {
        titles.push_back(trie.trie.title(static_cast<flow::TitleIndex>(t)));
    }
    return titles;
}

std::vector<MetricValue> distributionFitMetrics(const eval::DistributionFitResult& fit,
                                                const std::string& split) {
    return {
        {split, "js_title", 0, fit.title.js},
        {split, "kl_tr_title", 0, fit.title.klTargetGenerated},
        {split, "kl_rt_title", 0, fit.title.klGeneratedTarget},
        {split, "js_token", 0, fit.token.js},
        {split, "kl_tr_token", 0, fit.token.klTargetGenerated},
        {split, "kl_rt_token", 0, fit.token.klGeneratedTarget},
        {split, "samples", 0, static_cast<double>(fit.samples)},
        {split, "out_of_set", 0, static_cast<double>(fit.outOfSet)},
    };
}

std::vector<int> titleGroups(const std::vector<double>& counts, int groupCount) {
    const auto n = static_cast<int>(counts.size());
    const int g = std::min(groupCount, n);
    std::vector<int> order(counts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return counts[static_cast<std::size_t>(a)] > counts[static_cast<std::size_t>(b)];
    });
    std::vector<int> group(counts.size(), 0);
    int next = 0;
    for (int k = 0; k < g; ++k) {
        const int size = n / g + (k < n % g ? 1 : 0);  // the first n mod G groups one more
        for (int j = 0; j < size; ++j) group[static_cast<std::size_t>(order[static_cast<std::size_t>(next++)])] = k;
    }
    return group;
}

GroupShares groupShares(const std::vector<double>& targetCounts,
                        const std::vector<std::int64_t>& sampledCounts, int groupCount) {
    GroupShares out;
    if (targetCounts.empty() || sampledCounts.size() != targetCounts.size()) return out;
    const std::vector<int> group = titleGroups(targetCounts, groupCount);
    const int g = *std::max_element(group.begin(), group.end()) + 1;
    out.target.assign(static_cast<std::size_t>(g), 0.0);
    out.sampled.assign(static_cast<std::size_t>(g), 0.0);
    double target = 0, sampled = 0;
    for (std::size_t i = 0; i < group.size(); ++i) {
        out.target[static_cast<std::size_t>(group[i])] += targetCounts[i];
        out.sampled[static_cast<std::size_t>(group[i])] += static_cast<double>(sampledCounts[i]);
        target += targetCounts[i];
        sampled += static_cast<double>(sampledCounts[i]);
    }
    for (auto& v : out.target) v /= target;
    if (sampled == 0) {
        out.sampled.clear();  // nothing in the set was generated: no shares to compare
        return out;
    }
    double lo = INFINITY, hi = -INFINITY, sumAbs = 0;
    for (std::size_t k = 0; k < out.sampled.size(); ++k) {
        out.sampled[k] /= sampled;
        const double d = out.sampled[k] - out.target[k];
        lo = std::min(lo, d);
        hi = std::max(hi, d);
        sumAbs += std::abs(d);
    }
    out.dgu = hi - lo;
    out.mgu = sumAbs / static_cast<double>(out.sampled.size());
    return out;
}

Rq1Evaluator::Rq1Evaluator(eval::DistributionFit fit, std::vector<std::string> titles,
                           std::vector<text::TokenId> promptIds, TitleSampler sampler,
                           Rq1EvaluatorOptions options, TitleDecoder decoder)
    : fit_(std::move(fit)),
      titles_(std::move(titles)),
      prompt_(std::move(promptIds)),
      sampler_(std::move(sampler)),
      options_(std::move(options)),
      decoder_(std::move(decoder)) {
    if (titles_.size() != fit_.titleCount()) {
        throw Error({"", 0, "titles"}, std::to_string(titles_.size()) + " names for " +
                                           std::to_string(fit_.titleCount()) + " target titles");
    }
    if (prompt_.empty()) throw Error({"", 0, "prompt"}, "the prompt is empty");
    if (!sampler_) throw Error({"", 0, "sampler"}, "no title sampler given");
    if (options_.batchSize < 1 || options_.samples < 0 || sampleCount() < 1) {
        throw Error({"", 0, "evaluation.samples"},
                    "expected samples ≥ 0 (0 = tuning-set size ≥ 1) and batch size ≥ 1");
    }
}

std::int64_t Rq1Evaluator::sampleCount() const {
    return options_.samples > 0 ? options_.samples : options_.tuningSetSize;
}

EvaluationResult Rq1Evaluator::evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                        at::Generator& generator) {
    torch::NoGradGuard noGrad;
    const std::int64_t total = sampleCount();
    const auto p = static_cast<std::int64_t>(prompt_.size());
    const auto opts = torch::TensorOptions().dtype(torch::kInt64);
    const torch::Tensor one =
        torch::from_blob(const_cast<text::TokenId*>(prompt_.data()), {1, p}, torch::kInt32)
            .to(torch::kInt64);  // [1, P]
    last_.clear();
    last_.reserve(static_cast<std::size_t>(total));
    while (static_cast<std::int64_t>(last_.size()) < total) {
        const std::int64_t b = std::min(options_.batchSize, total - static_cast<std::int64_t>(last_.size()));
        const torch::Tensor ids = one.expand({b, p}).contiguous();  // [b, P]
        const torch::Tensor mask = torch::ones({b, p}, opts);       // [b, P]
        auto titles = sampler_(model, ids, mask, generator);
        if (static_cast<std::int64_t>(titles.size()) != b) {
            throw Error({"", 0, "sampler"}, "the title sampler returned " +
                                                std::to_string(titles.size()) + " titles for " +
                                                std::to_string(b) + " prompts");
        }
        for (auto& t : titles) last_.push_back(std::move(t));
    }
    lastFit_ = fit_.evaluate(last_);

    EvaluationResult r;
    r.metrics = distributionFitMetrics(lastFit_, options_.split);
    std::vector<double> exactProbabilities;  // fit order
    if (options_.exact) {
        exactProbabilities = options_.exact(model);
        const eval::DistributionFitResult exact = fit_.evaluateProbabilities(exactProbabilities);
        for (auto m : distributionFitMetrics(exact, options_.split)) {
            if (m.metric == "samples" || m.metric == "out_of_set") continue;
            m.metric += "_exact";
            r.metrics.push_back(std::move(m));
        }
    }
    // The popularity-group view of the fit: shares of the generations and of the target over
    // the target titles' popularity groups, with DGU/MGU of their difference.
    const GroupShares shares =
        groupShares(fit_.targetCounts(), lastFit_.titleCounts, options_.groupCount);
    if (!shares.sampled.empty()) {
        r.histograms.push_back({eval::kGroupsRecommended, shares.sampled});
        r.metrics.push_back({options_.split, "dgu", 0, shares.dgu});
        r.metrics.push_back({options_.split, "mgu", 0, shares.mgu});
    }
    if (!shares.target.empty()) r.histograms.push_back({eval::kGroupsTarget, shares.target});
    using K = DivergenceValue::Kind;
    for (bool token : {false, true}) {
        const eval::Divergences& d = token ? lastFit_.token : lastFit_.title;
        r.divergences.push_back({token, K::KlTargetPolicy, d.klTargetGenerated});
        r.divergences.push_back({token, K::KlPolicyTarget, d.klGeneratedTarget});
        r.divergences.push_back({token, K::Js, d.js});
    }
    for (std::size_t i = 0; i < last_.size() && i < options_.keptSamples; ++i) {
        SampleValue s;
        s.promptId = 0;  // one prompt
        const auto title = fit_.titleOf(last_[i]);
        s.valid = title.has_value();
        if (title) {
            s.title = titles_[*title];
            // The probability the evaluation's sampler draws this title: known exactly when
            // the exact fit was computed, so the samples table gets it for free.
            if (*title < exactProbabilities.size() && exactProbabilities[*title] > 0) {
                s.logProb = std::log(exactProbabilities[*title]);
            }
        } else if (decoder_) {
            s.title = decoder_(last_[i]);
        } else {
            s.title = "[";
            for (std::size_t k = 0; k < last_[i].size(); ++k) {
                if (k > 0) s.title.push_back(' ');
                s.title.append(std::to_string(last_[i][k]));
            }
            s.title.push_back(']');
        }
        r.samples.push_back(std::move(s));
    }
    (void)step;
    return r;
}

}  // namespace flower::train
