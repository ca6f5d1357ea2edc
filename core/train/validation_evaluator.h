// ValidationEvaluator: the validation loss of the run's own objective over the whole valid split
// (what early stopping monitors as "valid/loss", and "valid/<term>" for every loss term), then
// whatever an inner evaluator measures (the RQ1 divergences, later the recommendation metrics).
// Batches of `batchSize` examples in split order; each term is averaged over examples (a batch
// counts by its size), so the value does not depend on the batch size for per-example means.
// On-policy objectives (Flower) sample with the evaluation generator the trainer passes in.
// Runs under NoGradGuard with the model in eval mode (the trainer's contract).
// Failure: flower::Error from the objective or the data; a valid split of 0 examples reports no
// loss (the inner evaluator still runs).
#pragma once

#include "core/train/evaluator.h"
#include "core/train/objective.h"
#include "core/train/training_data.h"

#include <memory>

namespace flower::train {

class ValidationEvaluator : public Evaluator {
public:
    ValidationEvaluator(std::shared_ptr<Objective> objective, std::shared_ptr<const TrainingData> data,
                        int batchSize, std::shared_ptr<Evaluator> inner = nullptr);
    EvaluationResult evaluate(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                              at::Generator& generator) override;
    // The inner evaluator's test evaluation (the loss is a validation measure only).
    bool evaluatesTest() const override { return inner_ && inner_->evaluatesTest(); }
    EvaluationResult evaluateTest(model::Qwen2ForCausalLMImpl& model, std::int64_t step,
                                  at::Generator& generator) override;
    void setProgress(EvaluationProgressFn progress) override;

private:
    std::shared_ptr<Objective> objective_;
    std::shared_ptr<const TrainingData> data_;
    int batchSize_;
    std::shared_ptr<Evaluator> inner_;
};

}  // namespace flower::train
