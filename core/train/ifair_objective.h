// IfairObjective — IFairLRS item-side reweighting (Jiang et al., 2024; the reference's
// item_side_reweight.py): each sample's SFT loss (mean over its target tokens) times
//   w(g) = share of group g among training-history interactions / share of g among training targets
// for g the popularity group of the sample's target; the loss is the mean over samples.
// Samples whose target is in no group (targetGroup = −1: a title never seen in a training
// history) get weight 1 — they have no history share to compare with.
//
// Differs from the reference on purpose: its compute_loss multiplies the weights by the mean
// token loss of the WHOLE batch (torch.mean without dim), so all samples share one loss and the
// weights only rescale it by their mean; we weight each sample's own loss as the method intends.
// Groups with no training target have no weight to compute (0/0); they never occur in a batch, and
// get weight 1.
// Scalars: loss/total, loss/sft (the unweighted token-mean SFT loss, for comparison),
// ifair/mean_weight.
// Failure: flower::Error for an empty or non-finite/negative weight vector, a batch group outside
// [−1, groups).
#pragma once

#include "core/train/objective.h"

#include <vector>

namespace flower::data {
struct GroupDistribution;
}

namespace flower::train {

class IfairObjective : public Objective {
public:
    explicit IfairObjective(std::vector<double> groupWeights);

    // w(g) = history share / target share per group (1 where the target share is 0).
    static std::vector<double> weightsFrom(const data::GroupDistribution& history,
                                           const data::GroupDistribution& targets);

    const std::vector<double>& weights() const { return weights_; }
    std::string name() const override { return "ifairlrs"; }
    LossTerms compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                      at::Generator& generator) override;

private:
    std::vector<double> weights_;
};

}  // namespace flower::train
