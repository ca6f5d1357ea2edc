// The tokens trie-constrained decoding may emit next, for a batch of trie nodes (one per
// sequence being generated): a dense [B, V] bool mask, or index tensors for scatter/index_put.
// Pure functions over an immutable TitleTrie; thread-safe. Failure: a node id outside the trie
// or a vocabulary smaller than a child token id is a flower::Error.
#pragma once

#include "core/flow/title_trie.h"

#include <ATen/core/Tensor.h>

#include <span>

namespace flower::flow {

// [B, V] bool on the CPU: mask[b][t] is true when token t is a child of nodes[b].
at::Tensor allowedTokenMask(const TitleTrie& trie, std::span<const NodeId> nodes,
                            std::int64_t vocabSize);

// The same as coordinates: rows [K] int64 (batch index) and tokens [K] int64, K = Σ children.
struct AllowedTokenIndices {
    at::Tensor rows;    // [K]
    at::Tensor tokens;  // [K]
};
AllowedTokenIndices allowedTokenIndices(const TitleTrie& trie, std::span<const NodeId> nodes);

}  // namespace flower::flow
