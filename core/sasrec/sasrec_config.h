// SasRecConfig: the shape of the SASRec baseline as the Flower authors train it
// (with_history/code/train_and_get_logits.py, model "SASRec": hidden_factor 64, dropout 0.1,
// one block, one head; state_size = the longest history, 10 in the paper's datasets).
#pragma once

#include <cstdint>

namespace flower::sasrec {

struct SasRecConfig {
    std::int64_t items = 0;        // catalogue size; id `items` pads a history on the right
    std::int64_t maxLength = 10;   // history positions (the reference's state_size)
    std::int64_t hidden = 64;      // item/position embedding and attention width
    double dropout = 0.1;          // embeddings, attention weights, feed-forward output
};

}  // namespace flower::sasrec
