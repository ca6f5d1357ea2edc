// TrainBatch: one micro-batch as every objective consumes it — prompts left-padded (so that all
// continuations start at the same column, as Hugging Face pads for generation) and targets
// (title tokens + termination) right-padded, all in the model's token ids (compact ids for a
// tiny model with a VocabularyMap, tokenizer ids for a real Qwen2.5 checkpoint).
// Built by a TrainingData (core/train/training_data.h); a plain value, moved into the worker.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

namespace flower::train {

struct TrainBatch {
    at::Tensor promptIds;    // [B, P] int64, left-padded (pad positions hold any valid id)
    at::Tensor promptMask;   // [B, P] int64, 1 = real prompt token, 0 = padding
    at::Tensor targetIds;    // [B, T] int64, title tokens then the termination token, right-padded
    at::Tensor targetMask;   // [B, T] int64, 1 = target token (termination included), 0 = padding
    at::Tensor targetGroup;  // [B] int64, popularity group of the target title, -1 = in no group
    std::vector<std::int64_t> rows;  // [B] example index in its split: diagnostics, preference rewards

    std::int64_t size() const { return static_cast<std::int64_t>(rows.size()); }
    // The same batch with its tensors on `device` (the model's): data is collated on the CPU,
    // and the trainer and evaluators move each batch to where the model runs.
    TrainBatch to(const c10::Device& device) const;
};

}  // namespace flower::train
