// Test-only pieces for the trainer tests: a fixed toy TrainingData, a next-token cross-entropy
// objective over it (optionally drawing from both generators, optionally returning NaN at a
// given call) and a scripted evaluator. The real objectives and data live in core/train.
#pragma once

#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "core/train/evaluator.h"
#include "core/train/objective.h"
#include "core/train/training_data.h"

#include <torch/torch.h>

#include <atomic>
#include <functional>
#include <limits>
#include <vector>

namespace flower::test {

inline constexpr std::int64_t kToyVocab = 16;
inline constexpr std::int64_t kToyPrompt = 2;
inline constexpr std::int64_t kToyTarget = 3;

// Example i: prompt [1, 2 + i % 3], target three tokens that depend on i; valid examples are
// offset by 100 so they differ from the training ones.
class ToyData : public train::TrainingData {
public:
    ToyData(std::int64_t trainSize, std::int64_t validSize) : train_(trainSize), valid_(validSize) {}
    std::int64_t size(train::Split split) const override {
        return split == train::Split::Train ? train_ : valid_;
    }
    train::TrainBatch batch(train::Split split, std::span<const std::int64_t> rows) const override {
        const auto b = static_cast<std::int64_t>(rows.size());
        train::TrainBatch batch;
        batch.promptIds = torch::empty({b, kToyPrompt}, torch::kLong);
        batch.targetIds = torch::empty({b, kToyTarget}, torch::kLong);
        for (std::int64_t r = 0; r < b; ++r) {
            const std::int64_t i = rows[static_cast<std::size_t>(r)] + (split == train::Split::Valid ? 100 : 0);
            batch.promptIds[r][0] = 1;
            batch.promptIds[r][1] = 2 + i % 3;
            for (std::int64_t t = 0; t < kToyTarget; ++t) {
                batch.targetIds[r][t] = 5 + (i * 7 + t * 3) % (kToyVocab - 5);
            }
        }
        batch.promptMask = torch::ones({b, kToyPrompt}, torch::kLong);
        batch.targetMask = torch::ones({b, kToyTarget}, torch::kLong);
        batch.targetGroup = torch::full({b}, -1, torch::kLong);
        batch.rows.assign(rows.begin(), rows.end());
        return batch;
    }

private:
    std::int64_t train_, valid_;
};

// Mean over examples of the mean next-token cross-entropy of the target tokens. With `random`,
// the loss is scaled by a factor drawn from the sampling generator and from torch's default
// generator, so that a resume that failed to restore either shows in the losses.
class ToyObjective : public train::Objective {
public:
    bool random = true;
    std::int64_t nanAtCall = -1;         // 1-based call that returns NaN; -1 = never
    std::function<void()> onCompute;     // called at the start of every compute()
    std::atomic<std::int64_t> calls{0};
    // State that endEpoch sets from the epoch's mean loss: a resume that lost the state or the
    // epoch's partial sums would show in the losses after the next epoch end.
    double scale = 1.0;

    std::string name() const override { return "toy"; }
    void endEpoch(std::int64_t epoch, const std::map<std::string, double>& means) override {
        scale = 1.0 + means.at("loss/toy") + 0.25 * static_cast<double>(epoch);
    }
    std::map<std::string, double> state() const override { return {{"scale", scale}}; }
    void restoreState(const std::map<std::string, double>& state) override {
        if (const auto it = state.find("scale"); it != state.end()) scale = it->second;
    }
    train::LossTerms compute(model::Qwen2ForCausalLMImpl& model, const train::TrainBatch& batch,
                             at::Generator& generator) override {
        const std::int64_t call = ++calls;
        if (onCompute) onCompute();
        const auto b = batch.size();
        const at::Tensor ids = torch::cat({batch.promptIds, batch.targetIds}, 1);  // [B, P+T]
        const at::Tensor logits = model.forward(ids);                              // [B, P+T, V]
        const at::Tensor pred = logits.slice(1, kToyPrompt - 1, kToyPrompt + kToyTarget - 1);  // [B, T, V]
        const at::Tensor ce = torch::nn::functional::cross_entropy(
                                  pred.reshape({-1, kToyVocab}), batch.targetIds.reshape({-1}),
                                  torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone))
                                  .view({b, kToyTarget});                           // [B, T]
        at::Tensor loss = ce.mean(1).mean() * scale;
        const double toy = loss.item<double>();
        if (random) {
            const at::Tensor u = torch::rand({}, generator) + 0.1 * torch::rand({});
            loss = loss * (0.5 + u);
        }
        if (call == nanAtCall) {
            loss = loss * std::numeric_limits<double>::quiet_NaN();
        }
        train::LossTerms terms;
        terms.loss = loss;
        terms.scalars = {{"loss/total", loss.item<double>()}, {"loss/toy", toy}};
        terms.tokens = b * (kToyPrompt + kToyTarget);
        return terms;
    }
};

// Reports "valid/loss" from a script (one value per call; the last repeats) and checks that it
// runs in eval mode without gradients.
class ScriptedEvaluator : public train::Evaluator {
public:
    explicit ScriptedEvaluator(std::vector<double> values) : values_(std::move(values)) {}
    std::vector<std::int64_t> steps;
    bool sawTrainingMode = false;
    bool sawGradients = false;

    train::EvaluationResult evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                     at::Generator&) override {
        sawTrainingMode = sawTrainingMode || model.is_training();
        sawGradients = sawGradients || torch::GradMode::is_enabled();
        const std::size_t i = std::min(steps.size(), values_.size() - 1);
        steps.push_back(step);
        train::EvaluationResult r;
        r.metrics.push_back({"valid", "loss", 0, values_[i]});
        r.divergences.push_back({false, train::DivergenceValue::Kind::Js, 0.5 * values_[i]});
        r.samples.push_back({0, "Toy Title", true, -1.5});
        r.histograms.push_back({"groups_recommended", {0.75, 0.25}});
        r.histograms.push_back({"groups_history", {0.5, 0.5}});
        return r;
    }

private:
    std::vector<double> values_;
};

// The nano Qwen2 over the toy vocabulary, initialised from `seed` (in fp32), then in `dtype`.
inline model::Qwen2ForCausalLM toyModel(std::uint64_t seed, c10::ScalarType dtype = torch::kFloat) {
    model::Qwen2ForCausalLM m(model::qwen2Preset("nano", kToyVocab));
    m->initWeights(seed);
    if (dtype != torch::kFloat) {
        m->to(dtype);
    }
    return m;
}

}  // namespace flower::test
