#include "core/train/train_batch.h"

namespace flower::train {

TrainBatch TrainBatch::to(const c10::Device& device) const {
    auto move = [&](const at::Tensor& t) { return t.defined() ? t.to(device) : t; };
    TrainBatch out;
    out.promptIds = move(promptIds);
    out.promptMask = move(promptMask);
    out.targetIds = move(targetIds);
    out.targetMask = move(targetMask);
    out.targetGroup = move(targetGroup);
    out.rows = rows;
    return out;
}

}  // namespace flower::train
