// TrainingData: the examples of a run, split into train and valid, turned into TrainBatches on
// demand. Implementations: BIGRec rows of a recommendation dataset (prompt = template + history
// titles, target = next title) and the RQ1 history-free set (one fixed prompt, target titles
// repeated by their counts). The trainer owns the order (a seeded permutation per epoch) and
// asks for batches by example index, which is what makes resume exact.
// Thread-safety: batch() is const and called from the worker thread only.
#pragma once

#include "core/train/train_batch.h"

#include <cstdint>
#include <span>

namespace flower::train {

// Test: only BIGRec data has one (the end-of-training evaluation ranks it); trainers never
// batch it, and the history-free data reports 0 test examples.
enum class Split { Train, Valid, Test };
const char* toString(Split split);  // "train", "valid", "test"

class TrainingData {
public:
    virtual ~TrainingData() = default;
    virtual std::int64_t size(Split split) const = 0;
    // The examples `rows` (indices in [0, size(split))) of `split` as one padded batch.
    virtual TrainBatch batch(Split split, std::span<const std::int64_t> rows) const = 0;
};

}  // namespace flower::train
