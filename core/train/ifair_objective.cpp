#include "core/train/ifair_objective.h"

#include "core/data/popularity_groups.h"
#include "core/train/sft_objective.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <cmath>

namespace flower::train {

IfairObjective::IfairObjective(std::vector<double> groupWeights) : weights_(std::move(groupWeights)) {
    if (weights_.empty()) {
        throw Error({"", 0, "groupWeights"}, "IFairLRS needs one weight per popularity group, got none");
    }
    for (std::size_t g = 0; g < weights_.size(); ++g) {
        if (!std::isfinite(weights_[g]) || weights_[g] < 0.0) {
            throw Error({"", 0, "groupWeights"}, "weight of group " + std::to_string(g) +
                                                     " must be finite and ≥ 0, got " +
                                                     std::to_string(weights_[g]));
        }
    }
}

std::vector<double> IfairObjective::weightsFrom(const data::GroupDistribution& history,
                                                const data::GroupDistribution& targets) {
    if (history.shares.size() != targets.shares.size() || history.shares.empty()) {
        throw Error({"", 0, "groups"}, "history and target group distributions must have the same "
                                       "non-zero number of groups");
    }
    std::vector<double> w(history.shares.size(), 1.0);
    for (std::size_t g = 0; g < w.size(); ++g) {
        if (targets.shares[g] > 0.0) w[g] = history.shares[g] / targets.shares[g];
    }
    return w;
}

LossTerms IfairObjective::compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                                  at::Generator& /*generator*/) {
    const auto G = static_cast<std::int64_t>(weights_.size());
    const at::Tensor group = batch.targetGroup.to(torch::kCPU, torch::kLong);  // [B]
    if (group.numel() != batch.promptIds.size(0) ||
        (group.numel() > 0 && (group.min().item<std::int64_t>() < -1 ||
                               group.max().item<std::int64_t>() >= G))) {
        throw Error({"", 0, "targetGroup"}, "expected one group per sample in [-1, " +
                                                std::to_string(G) + ")");
    }
    LossTerms out;
    const auto [nll, count] = SftObjective::targetNll(model, batch, &out.tokens);  // [B], [B]
    // Weight table with a leading 1 for group −1.
    std::vector<double> table = {1.0};
    table.insert(table.end(), weights_.begin(), weights_.end());
    const at::Tensor w = torch::tensor(table, torch::kDouble)
                             .index_select(0, group + 1)
                             .to(nll.device(), nll.scalar_type());  // [B]
    out.loss = (w * nll / count).mean();
    const double value = out.loss.item<double>();
    out.scalars = {{"loss/total", value},
                   {"loss/sft", (nll.sum() / count.sum()).item<double>()},
                   {"ifair/mean_weight", w.mean().item<double>()}};
    return out;
}

}  // namespace flower::train
