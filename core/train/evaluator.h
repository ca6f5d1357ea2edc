// Evaluator: what the trainer runs every `evaluation.every_steps` optimiser steps (and at epoch
// ends): the validation loss, the RQ1 divergences, the recommendation metrics (beam search on
// the valid split, recommendation_evaluator.h). The trainer writes every value to the run store
// and monitors one metric ("valid/loss", "valid/ndcg@5", ...) for early stopping and
// best-checkpoint selection. An evaluator that evaluatesTest() is asked once more when training
// ends (not when cancelled), with the best checkpoint's weights: evaluateTest, "test/..." values.
// Runs on the worker thread with the model in eval mode under torch::NoGradGuard.
#pragma once

#include <ATen/core/Generator.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flower::model {
class Qwen2ForCausalLMImpl;
}

namespace flower::train {

struct MetricValue {
    std::string split;   // "valid", "test"
    std::string metric;  // "loss", "ndcg", "hr", "dgu", ...
    int k = 0;           // cut-off, 0 when the metric has none
    double value = 0.0;

    // "<split>/<metric>" or "<split>/<metric>@<k>": the name early stopping monitors.
    // Built with append(): GCC 12 warns falsely (-Wrestrict) on `"@" + std::to_string(k)`.
    std::string key() const {
        std::string out = split;
        out.append("/").append(metric);
        if (k > 0) out.append("@").append(std::to_string(k));
        return out;
    }
};

// RQ1 distribution fit: title and token level, KL(T‖R), KL(R‖T), JS (T = target, R = generated).
struct DivergenceValue {
    bool tokenLevel = false;
    enum class Kind { KlTargetPolicy, KlPolicyTarget, Js } kind = Kind::Js;
    double value = 0.0;
};

// A generated title kept for inspection (the store's samples table).
struct SampleValue {
    std::int64_t promptId = 0;
    std::string title;
    bool valid = false;                 // a catalogue / target title
    std::optional<double> logProb;
};

// One histogram of an evaluation: `bins[b]` is the value of bin b.
struct HistogramValue {
    std::string kind;
    std::vector<double> bins;
};

struct EvaluationResult {
    std::vector<MetricValue> metrics;
    std::vector<DivergenceValue> divergences;
    std::vector<SampleValue> samples;
    // Named histograms for the store's histograms table, e.g. the popularity-group shares
    // "groups_recommended", "groups_history", "groups_target" of a recommendation evaluation
    // (eval::groupHistograms; bin g = group g, 0 the most popular).
    std::vector<HistogramValue> histograms;

    // The value of metric `key` (MetricValue::key()), if measured.
    std::optional<double> find(const std::string& key) const {
        for (const auto& m : metrics) {
            if (m.key() == key) return m.value;
        }
        return std::nullopt;
    }
};

// How far a long evaluation is (beam search over a split takes minutes on big datasets).
struct EvaluationProgress {
    std::string split;        // "valid", "test"
    std::int64_t done = 0;    // rows ranked so far
    std::int64_t total = 0;
};
using EvaluationProgressFn = std::function<void(const EvaluationProgress&)>;

class Evaluator {
public:
    virtual ~Evaluator() = default;
    virtual EvaluationResult evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                      at::Generator& generator) = 0;
    // The end-of-training test evaluation; evaluateTest is only called when evaluatesTest().
    virtual bool evaluatesTest() const { return false; }
    virtual EvaluationResult evaluateTest(model::Qwen2ForCausalLMImpl&, std::int64_t,
                                          at::Generator&) {
        return {};
    }
    // Where progress goes (the trainer sets it from its hooks; empty = nowhere). Wrappers
    // forward it to what they wrap.
    virtual void setProgress(EvaluationProgressFn progress) { progress_ = std::move(progress); }

protected:
    const EvaluationProgressFn& progress() const { return progress_; }

private:
    EvaluationProgressFn progress_;
};

}  // namespace flower::train
