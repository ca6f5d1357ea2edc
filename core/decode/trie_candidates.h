// TrieCandidates: the (row, token) pairs trie-constrained decoding may take next — for each row
// being generated, the children of its trie node — laid out for the few-candidates paths of
// beam search (decode/beam_search.h) and trie-constrained sampling (train/trie_sampler.h):
// flat [K] tensors grouped by row in row order (tokens ascending inside a row), the child node
// of each candidate, each row's range, and the [n, C] "padded" layout (C = most children of one
// row) a row-wise softmax or draw reads. This is the one masking code of both: nothing builds a
// [n, V] mask; scores are gathered at the candidates only.
// Value type, built per decoding step on the CPU. Failure: flower::Error for a node outside the
// trie or a child token ≥ vocabSize (naming both) — a checkpoint whose vocabulary does not cover
// the trie.
#pragma once

#include "core/flow/title_trie.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <span>
#include <vector>

namespace flower::decode {

struct TrieCandidates {
    at::Tensor rows;    // [K] int64: row of each candidate
    at::Tensor tokens;  // [K] int64: the child's token id
    at::Tensor columns; // [K] int64: position of the candidate inside its row (0 .. children − 1)
    std::vector<flow::NodeId> childNodes;  // [K] the node each candidate leads to
    std::vector<std::int64_t> offsets;     // [n + 1]: row i's candidates are offsets[i] .. offsets[i+1]
    std::int64_t width = 0;                // most candidates of one row (C)

    std::int64_t size() const { return static_cast<std::int64_t>(childNodes.size()); }
    std::int64_t rowCount() const { return static_cast<std::int64_t>(offsets.size()) - 1; }

    // values [K] → [n, C] with `fill` where a row has fewer candidates (same dtype as values).
    at::Tensor padded(const at::Tensor& values, double fill) const;
};

// nodes: the trie node of each row (n rows). vocabSize: the model's; every child token must be
// below it.
TrieCandidates trieCandidates(const flow::TitleTrie& trie, std::span<const flow::NodeId> nodes,
                              std::int64_t vocabSize);

}  // namespace flower::decode
