// Trainer: the optimisation loop of one run, independent of threads, stores and GUIs.
//   - AdamW (lr, betas, decoupled weight decay) with the LrSchedule of the config; for a
//     bf16/fp16 model it updates fp32 master weights (master_weights.h) whose rounded values
//     are copied back into the model after each update, so its moments are fp32 too;
//   - gradient accumulation: `batchSize` examples per optimiser update, run in micro-batches of
//     `microBatchSize`; each micro loss is scaled by its share of the update's examples, so the
//     gradient equals that of one mean loss over the whole batch (the last update of an epoch
//     takes the remaining examples);
//   - global-norm gradient clipping on the fp32 gradients (the pre-clip norm is reported);
//   - epochs over a permutation of the training split derived from (seed, epoch) only, so a
//     resumed run sees the same order; maxSteps caps the updates;
//   - evaluation every `evaluateEvery` updates, at epoch ends and after the last update; the
//     monitored metric drives early stopping (patience) and the `best` checkpoint;
//   - when training ends (last update or early stop, not cancel) and the evaluator
//     evaluatesTest(): the `best` checkpoint's weights are loaded into the model (the final
//     weights when there is no best: no checkpoint root or no monitored value) and the test
//     split is evaluated once — an EvaluationEvent with split "test" at the last step, whose
//     weightsStep says which step's weights it ranked. The model keeps those weights after.
//   - checkpoints (training_checkpoint.h) to <checkpointRoot>/last every `checkpointEvery`
//     updates, at epoch ends, at the end and when stopped; <checkpointRoot>/best on improvement.
// Determinism on the CPU: the objective's randomness comes from one CPU at::Generator seeded
// with the config seed; torch's default generator is seeded too; evaluation gets its own
// generator seeded from (seed, step), so evaluating does not change the training trajectory.
// restore() + train() after N updates reproduces the uninterrupted run's losses exactly.
//
// Ownership: the trainer shares the model, objective, data and evaluator (shared_ptr / module
// holder) and owns the optimiser and generator. Not thread-safe: one thread calls train();
// other threads talk to it only through TrainerHooks::shouldStop (see RunController).
// Failure: flower::Error for bad options or data; NonFiniteLossError (an Error) when a loss or
// the gradient norm is not finite — the update is not applied and a diagnostic JSON is written
// to <checkpointRoot>/diagnostic-step-<k>.json first. Exceptions of the objective/evaluator
// propagate unchanged.
#pragma once

#include "core/model/qwen2_for_causal_lm.h"
#include "core/run/experiment_config.h"
#include "core/train/evaluator.h"
#include "core/train/objective.h"
#include "core/train/training_checkpoint.h"
#include "core/train/training_data.h"
#include "core/util/error.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace torch::optim {
class AdamW;
}

namespace flower::train {

class MasterWeights;

struct TrainerOptions {
    run::OptimizerConfig optimizer;        // lr, betas, weight decay, warm-up, schedule, clip
    int batchSize = 8;                     // examples per optimiser update
    int microBatchSize = 8;                // examples per forward pass
    int epochs = 1;                        // passes over the training split
    std::int64_t maxSteps = 0;             // cap on updates; 0 = epochs decide
    run::EarlyStoppingConfig earlyStopping;  // monitored metric, patience (0 = off), mode
    std::int64_t evaluateEvery = 0;        // evaluate every N updates (also at epoch ends); 0 = epoch ends
    std::int64_t checkpointEvery = 0;      // checkpoint every N updates (also at epoch ends)
    std::filesystem::path checkpointRoot;  // "" = no checkpoints and no diagnostic files
    std::uint64_t seed = 0;                // data order, sampling generator, torch default generator
    CheckpointExtras extras;               // config / vocabulary copies stored in checkpoints

    // The training fields of an experiment config.
    static TrainerOptions fromConfig(const run::ExperimentConfig& config,
                                     const std::filesystem::path& checkpointRoot);
};

// One optimiser update, as listeners and the run store see it.
struct StepEvent {
    std::int64_t step = 0;        // updates done, 1-based for this one
    std::int64_t totalSteps = 0;
    double epoch = 0;             // fractional: epoch index + share of it consumed
    std::vector<std::pair<std::string, double>> losses;  // "loss/total" first, means over the batch
    double lr = 0;                // learning rate this update used
    double gradNorm = 0;          // global L2 norm before clipping
    std::int64_t tokens = 0;      // token positions of this update
    double tokensPerSecond = 0;
    double stepSeconds = 0;
    double etaSeconds = 0;        // remaining updates × mean update time of this session
};

struct EvaluationEvent {
    std::int64_t step = 0;
    double epoch = 0;
    std::string split = "valid";      // "test": the end-of-training test evaluation
    std::int64_t weightsStep = 0;     // the step whose weights were evaluated (test: best's)
    EvaluationResult result;
    std::optional<double> monitored;  // the early-stopping metric's value
    bool improved = false;            // a new best (and `best` was written)
};

struct CheckpointEvent {
    std::int64_t step = 0;
    std::filesystem::path dir;
    bool best = false;
    std::optional<double> metric;     // the monitored value at a best checkpoint
};

enum class StopReason { Completed, EarlyStopped, Cancelled };

struct TrainResult {
    StopReason reason = StopReason::Completed;
    std::int64_t steps = 0;                  // updates done in total
    std::optional<double> bestMetric;
    std::int64_t bestStep = -1;
    std::filesystem::path lastCheckpoint;    // "" when no checkpoint root
};

// Callbacks, all invoked on the thread running train().
struct TrainerHooks {
    std::function<void(const StepEvent&)> onStep;
    std::function<void(const EvaluationEvent&)> onEvaluation;
    // During an evaluation (beam search reports after each batch of prompts).
    std::function<void(const EvaluationProgress&)> onEvaluationProgress;
    // Just before a checkpoint is written: the run controller commits the points it buffered,
    // so that every point up to a checkpoint's step is in the store once the checkpoint exists
    // (a kill after it loses nothing that a resume from it would not compute again).
    std::function<void()> beforeCheckpoint;
    std::function<void(const CheckpointEvent&)> onCheckpoint;
    // Asked before every micro-batch; true stops the run: the unfinished update is dropped and
    // a checkpoint of the last finished one is written. May block (that is how pause works).
    std::function<bool()> shouldStop;
};

class NonFiniteLossError : public Error {
public:
    NonFiniteLossError(std::int64_t step, const std::string& message)
        : Error(message), step_(step) {}
    std::int64_t step() const { return step_; }

private:
    std::int64_t step_;
};

// Global L2 norm of the gradients of `parameters` (those with one), then scales them so the norm
// is at most maxNorm (maxNorm <= 0: no scaling) as torch.nn.utils.clip_grad_norm_ does.
// Returns the norm before clipping.
double clipGradNorm(const std::vector<at::Tensor>& parameters, double maxNorm);

class Trainer {
public:
    Trainer(model::Qwen2ForCausalLM model, std::shared_ptr<Objective> objective,
            std::shared_ptr<const TrainingData> data, std::shared_ptr<Evaluator> evaluator,
            TrainerOptions options);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Loads a checkpoint written by this trainer's configuration (weights, optimiser, RNG,
    // position). Call before train(). Throws flower::Error.
    void restore(const std::filesystem::path& checkpointDir);
    // Runs until the last update, early stopping or shouldStop.
    TrainResult train(const TrainerHooks& hooks = {});
    // restore(checkpointDir), then train(hooks).
    TrainResult resume(const std::filesystem::path& checkpointDir, const TrainerHooks& hooks = {});

    // Forward/backward of the examples `rows` of the train split in micro-batches, gradients
    // accumulated (not zeroed first, not stepped); returns the mean loss terms (loss detached).
    // nullopt when `shouldStop` asked to stop. Throws NonFiniteLossError as train() does.
    std::optional<LossTerms> accumulateGradients(std::span<const std::int64_t> rows,
                                                 const std::function<bool()>& shouldStop = {});

    // The training split's example order in `epoch` (a permutation of 0..size-1).
    std::vector<std::int64_t> epochOrder(std::int64_t epoch) const;

    const TrainingPosition& position() const;
    std::int64_t stepsPerEpoch() const;
    std::int64_t totalSteps() const;
    double learningRate(std::int64_t step) const;
    const TrainerOptions& options() const;
    model::Qwen2ForCausalLM model() const;
    at::Generator& samplingGenerator();
    // AdamW over masterWeights().optimized(): fp32 masters of bf16/fp16 parameters.
    torch::optim::AdamW& optimizer();
    const MasterWeights& masterWeights() const;
    std::filesystem::path lastCheckpointDir() const;  // <root>/last
    std::filesystem::path bestCheckpointDir() const;  // <root>/best

private:
    struct Impl;
    std::unique_ptr<Impl> d_;
};

}  // namespace flower::train
