// A 3-row TrainBatch on the 12-token vocabulary of train_fixtures.h, plus the brute-force
// per-sample target log-likelihood from one unpadded full forward per row.
#pragma once

#include "core/train/train_batch.h"
#include "tests/core/train/train_fixtures.h"

#include <torch/torch.h>

namespace flower::test {

inline train::TrainBatch smallBatch() {
    train::TrainBatch b;
    b.promptIds = torch::tensor({{9, 10, 11, 8}, {0, 0, 10, 9}, {0, 11, 11, 8}}, torch::kLong);
    b.promptMask = torch::tensor({{1, 1, 1, 1}, {0, 0, 1, 1}, {0, 1, 1, 1}}, torch::kLong);
    b.targetIds = torch::tensor({{1, 3, 4, 0}, {5, 0, 0, 0}, {6, 7, 0, 0}}, torch::kLong);
    b.targetMask = torch::tensor({{1, 1, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 0}}, torch::kLong);
    b.targetGroup = torch::tensor({0, -1, 1}, torch::kLong);
    b.rows = {0, 1, 2};
    return b;
}

// Σ_t log P(target_t | prompt, target_<t) of row `r`, from a full forward over the unpadded
// [prompt + target] sequence.
inline at::Tensor bruteForceLogLik(model::Qwen2ForCausalLMImpl& policy, const at::Tensor& promptIds,
                                   const at::Tensor& promptMask, const at::Tensor& contIds,
                                   const at::Tensor& contMask, std::int64_t r) {
    const at::Tensor prompt = promptIds[r].index({promptMask[r].to(torch::kBool)});
    const at::Tensor cont = contIds[r].index({contMask[r].to(torch::kBool)});
    const at::Tensor seq = torch::cat({prompt, cont}).unsqueeze(0);  // [1, S]
    const at::Tensor logp = torch::log_softmax(policy.forward(seq), -1).squeeze(0);  // [S, V]
    const std::int64_t P = prompt.size(0), T = cont.size(0);
    const at::Tensor rows = torch::arange(P - 1, P - 1 + T, torch::kLong);
    return logp.index({rows, cont}).sum();
}

}  // namespace flower::test
