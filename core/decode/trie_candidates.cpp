#include "core/decode/trie_candidates.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

namespace flower::decode {

at::Tensor TrieCandidates::padded(const at::Tensor& values, double fill) const {
    const std::int64_t n = rowCount();
    return torch::full({n, width}, fill, values.options().device(torch::kCPU))
        .index_put_({rows, columns}, values.to(torch::kCPU));  // [n, C]
}

TrieCandidates trieCandidates(const flow::TitleTrie& trie, std::span<const flow::NodeId> nodes,
                              std::int64_t vocabSize) {
    TrieCandidates c;
    const auto n = static_cast<std::int64_t>(nodes.size());
    c.offsets.assign(static_cast<std::size_t>(n + 1), 0);
    for (std::int64_t i = 0; i < n; ++i) {
        const flow::NodeId node = nodes[static_cast<std::size_t>(i)];
        if (node < 0 || static_cast<std::size_t>(node) >= trie.nodeCount()) {
            throw Error({"", 0, "trie"}, "trie node " + std::to_string(node) + " does not exist (the trie has " +
                                             std::to_string(trie.nodeCount()) + " nodes)");
        }
        const auto k = static_cast<std::int64_t>(trie.childTokens(node).size());
        c.offsets[static_cast<std::size_t>(i + 1)] = c.offsets[static_cast<std::size_t>(i)] + k;
        c.width = std::max(c.width, k);
    }
    const std::int64_t K = c.offsets.back();
    c.rows = torch::empty({K}, torch::kLong);
    c.tokens = torch::empty({K}, torch::kLong);
    c.columns = torch::empty({K}, torch::kLong);
    c.childNodes.resize(static_cast<std::size_t>(K));
    auto* rows = c.rows.data_ptr<std::int64_t>();
    auto* tokens = c.tokens.data_ptr<std::int64_t>();
    auto* columns = c.columns.data_ptr<std::int64_t>();
    std::int64_t k = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const flow::NodeId node = nodes[static_cast<std::size_t>(i)];
        const auto childTokens = trie.childTokens(node);
        const auto childNodes = trie.childNodes(node);
        for (std::size_t j = 0; j < childTokens.size(); ++j, ++k) {
            if (childTokens[j] < 0 || childTokens[j] >= vocabSize) {
                throw Error({"", 0, "trie"}, "token " + std::to_string(childTokens[j]) +
                                                 " of the title trie is outside the model's vocabulary of " +
                                                 std::to_string(vocabSize) + " tokens");
            }
            rows[k] = i;
            tokens[k] = childTokens[j];
            columns[k] = static_cast<std::int64_t>(j);
            c.childNodes[static_cast<std::size_t>(k)] = childNodes[j];
        }
    }
    return c;
}

}  // namespace flower::decode
