#include "core/train/validation_evaluator.h"

#include "core/model/qwen2_for_causal_lm.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

namespace flower::train {

ValidationEvaluator::ValidationEvaluator(std::shared_ptr<Objective> objective,
                                         std::shared_ptr<const TrainingData> data, int batchSize,
                                         std::shared_ptr<Evaluator> inner)
    : objective_(std::move(objective)), data_(std::move(data)), batchSize_(batchSize),
      inner_(std::move(inner)) {
    if (!objective_ || !data_) throw Error("ValidationEvaluator needs an objective and data");
    if (batchSize_ < 1) throw Error({"", 0, "micro_batch_size"}, "must be at least 1");
}

EvaluationResult ValidationEvaluator::evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                               at::Generator& generator) {
    torch::NoGradGuard noGrad;
    const std::int64_t n = data_->size(Split::Valid);
    const c10::Device device = model.device();
    // Weighted sums per loss term, in the order the objective reports them.
    std::vector<std::string> order;
    std::map<std::string, double> sums;
    std::vector<std::int64_t> rows;
    for (std::int64_t start = 0; start < n; start += batchSize_) {
        rows.resize(static_cast<std::size_t>(std::min<std::int64_t>(batchSize_, n - start)));
        std::iota(rows.begin(), rows.end(), start);
        const LossTerms terms =
            objective_->compute(model, data_->batch(Split::Valid, rows).to(device), generator);
        for (const auto& [key, value] : terms.scalars) {
            if (!sums.count(key)) order.push_back(key);
            sums[key] += value * static_cast<double>(rows.size());
        }
    }
    EvaluationResult result = inner_ ? inner_->evaluate(model, step, generator) : EvaluationResult{};
    std::vector<MetricValue> losses;
    for (const auto& key : order) {
        // "loss/total" is the monitored "valid/loss"; other terms keep their names.
        const std::string name = key == "loss/total" ? "loss" : key;
        losses.push_back({"valid", name, 0, sums[key] / static_cast<double>(n)});
    }
    result.metrics.insert(result.metrics.begin(), losses.begin(), losses.end());
    return result;
}

EvaluationResult ValidationEvaluator::evaluateTest(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                                   at::Generator& generator) {
    return inner_ ? inner_->evaluateTest(model, step, generator) : EvaluationResult{};
}

void ValidationEvaluator::setProgress(EvaluationProgressFn progress) {
    if (inner_) inner_->setProgress(progress);
    Evaluator::setProgress(std::move(progress));
}

}  // namespace flower::train
