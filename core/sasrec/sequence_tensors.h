// SequenceTensors: one split of a dataset as SASRec reads it (the reference's preprocess.py):
// each row's history item ids, right-padded with the id `items` to maxLength, its length and
// its next item. A history longer than maxLength keeps its last maxLength items (the
// reference's data never has one: it asserts). Rows keep the split's order, so row r of the
// scores file is row r of the CSV file.
// Failure: flower::Error naming the split and the row's line for an empty history (SASRec
// scores the state at position len − 1) or an id outside the catalogue.
#pragma once

#include "core/data/interaction_split.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace flower::sasrec {

struct SequenceTensors {
    at::Tensor states;   // [N, maxLength] int64, padded with `items`
    at::Tensor lengths;  // [N] int64, 1 … maxLength
    at::Tensor targets;  // [N] int64, the next item

    std::int64_t rows() const { return states.size(0); }

    static SequenceTensors fromSplit(const data::InteractionSplit& split, std::int64_t items,
                                     std::int64_t maxLength);
    // Rows `index` [n] of this table.
    SequenceTensors select(const at::Tensor& index) const;
};

}  // namespace flower::sasrec
