// collateBatch: token sequences → a TrainBatch as every objective expects it: prompts
// left-padded (all continuations start at the same column), targets right-padded, int64
// tensors. Shared by the BIGRec and history-free training data. Pure function.
// Failure: flower::Error when the spans disagree in length or a prompt/target is empty.
#pragma once

#include "core/text/token_id.h"
#include "core/train/train_batch.h"

#include <cstdint>
#include <span>
#include <vector>

namespace flower::train {

// prompts[i], targets[i] (termination included), groups[i] of example rows[i]; `padId` fills
// padding (any id valid for the model; the masks mark it).
TrainBatch collateBatch(std::span<const std::span<const text::TokenId>> prompts,
                        std::span<const std::span<const text::TokenId>> targets,
                        std::span<const std::int64_t> groups, std::vector<std::int64_t> rows,
                        text::TokenId padId);

}  // namespace flower::train
