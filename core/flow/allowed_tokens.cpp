#include "core/flow/allowed_tokens.h"

#include "core/util/error.h"

#include <torch/torch.h>

namespace flower::flow {

namespace {
void checkNode(const TitleTrie& trie, NodeId node) {
    if (node < 0 || static_cast<std::size_t>(node) >= trie.nodeCount()) {
        throw Error("trie node " + std::to_string(node) + " does not exist (the trie has " +
                    std::to_string(trie.nodeCount()) + " nodes)");
    }
}
}  // namespace

at::Tensor allowedTokenMask(const TitleTrie& trie, std::span<const NodeId> nodes, std::int64_t vocabSize) {
    const auto batch = static_cast<std::int64_t>(nodes.size());
    at::Tensor mask = torch::zeros({batch, vocabSize}, torch::kBool);  // [B, V]
    bool* data = mask.data_ptr<bool>();
    for (std::int64_t b = 0; b < batch; ++b) {
        checkNode(trie, nodes[b]);
        for (const TokenId t : trie.childTokens(nodes[b])) {
            if (t >= vocabSize) {
                throw Error("token " + std::to_string(t) + " of the trie is outside the vocabulary of " +
                            std::to_string(vocabSize));
            }
            data[b * vocabSize + t] = true;
        }
    }
    return mask;
}

AllowedTokenIndices allowedTokenIndices(const TitleTrie& trie, std::span<const NodeId> nodes) {
    std::int64_t total = 0;
    for (const NodeId node : nodes) {
        checkNode(trie, node);
        total += static_cast<std::int64_t>(trie.childTokens(node).size());
    }
    AllowedTokenIndices out{torch::empty({total}, torch::kLong), torch::empty({total}, torch::kLong)};
    auto* rows = out.rows.data_ptr<std::int64_t>();
    auto* tokens = out.tokens.data_ptr<std::int64_t>();
    std::int64_t k = 0;
    for (std::size_t b = 0; b < nodes.size(); ++b) {
        for (const TokenId t : trie.childTokens(nodes[b])) {
            rows[k] = static_cast<std::int64_t>(b);
            tokens[k++] = t;
        }
    }
    return out;
}

}  // namespace flower::flow
