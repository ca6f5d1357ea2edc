#include "core/train/sft_objective.h"

#include "core/train/continuation_log_probs.h"
#include "core/util/error.h"

#include <torch/torch.h>

namespace flower::train {

std::pair<at::Tensor, at::Tensor> SftObjective::targetNll(model::Qwen2ForCausalLMImpl& model,
                                                          const TrainBatch& batch,
                                                          std::int64_t* tokens) {
    if (!batch.targetIds.defined() || batch.targetIds.dim() != 2 ||
        batch.targetIds.size(0) != batch.promptIds.size(0)) {
        throw Error({"", 0, "targetIds"}, "expected targets [B, T] for the batch's prompts");
    }
    const ContinuationLogProbs lp = continuationLogProbs(model, batch.promptIds, batch.promptMask,
                                                         batch.targetIds, batch.targetMask);
    if (tokens != nullptr) *tokens = lp.tokens;
    const at::Tensor mask = batch.targetMask.to(lp.token.scalar_type());  // [B, T]
    const at::Tensor nll = -lp.token.sum(1);                               // [B]
    return {nll, mask.sum(1)};
}

LossTerms SftObjective::compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                                at::Generator& /*generator*/) {
    LossTerms out;
    const auto [nll, count] = targetNll(model, batch, &out.tokens);  // [B], [B]
    out.loss = nll.sum() / count.sum();
    const double value = out.loss.item<double>();
    out.scalars = {{"loss/total", value}, {"loss/sft", value}};
    return out;
}

}  // namespace flower::train
