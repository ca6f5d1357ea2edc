// Objective: one training loss (SFT/BIGRec, IFairLRS, Flower, and later DPO/PPO variants) as a
// function of the policy and a micro-batch. The trainer owns the optimiser, accumulation,
// clipping and logging; an objective only runs the model (and whatever sampling it needs) and
// returns the loss to back-propagate plus named scalars for the logs.
//
// Contract:
//   - compute() may be called with gradients enabled (training) or under torch::NoGradGuard
//     (validation loss); it must work in both and must not call backward().
//   - `loss` is a 0-dim tensor; the trainer scales it by micro-batch/batch for accumulation.
//   - Scalars are plain doubles (already .item()-ed), keyed "loss/<term>" ("loss/sft",
//     "loss/subtb", "loss/total", ...); "loss/total" is always present and equals `loss`.
//   - Randomness (on-policy sampling) comes only from `generator`, so a seed fixes a run.
// Failure: flower::Error for inconsistent inputs (a target token outside the vocabulary, a
// batch that does not match the trie); a non-finite loss is returned as is — the trainer's
// NaN guard decides what to do with it.
#pragma once

#include "core/train/train_batch.h"

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace flower::model {
class Qwen2ForCausalLMImpl;
}

namespace flower::train {

struct LossTerms {
    at::Tensor loss;                                        // 0-dim, what backward() runs on
    std::vector<std::pair<std::string, double>> scalars;    // "loss/total" first, then terms
    std::int64_t tokens = 0;  // token positions that went through the model (for tokens/s)

    // Value of scalar `key`; throws flower::Error when absent.
    double scalar(const std::string& key) const;
};

class Objective {
public:
    virtual ~Objective() = default;
    // "sft", "ifairlrs", "flower", ... (the config's method name).
    virtual std::string name() const = 0;
    virtual LossTerms compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                              at::Generator& generator) = 0;

    // Called by the trainer after the last update of epoch `epoch` (0-based), before that
    // epoch's evaluation, with the mean over the epoch's updates of every step scalar. An
    // objective with a schedule (Flower's decaying buffer probability) updates it here.
    virtual void endEpoch(std::int64_t epoch, const std::map<std::string, double>& epochMeans) {
        (void)epoch, (void)epochMeans;
    }
    // State that endEpoch changes, saved in checkpoints and given back on resume so that a
    // resumed run continues exactly. Default: none.
    virtual std::map<std::string, double> state() const { return {}; }
    virtual void restoreState(const std::map<std::string, double>& state) { (void)state; }
};

}  // namespace flower::train
