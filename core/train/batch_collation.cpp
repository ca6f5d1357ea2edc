#include "core/train/batch_collation.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>

namespace flower::train {

TrainBatch collateBatch(std::span<const std::span<const text::TokenId>> prompts,
                        std::span<const std::span<const text::TokenId>> targets,
                        std::span<const std::int64_t> groups, std::vector<std::int64_t> rows,
                        text::TokenId padId) {
    const std::size_t b = rows.size();
    if (prompts.size() != b || targets.size() != b || groups.size() != b) {
        throw Error({"", 0, "batch"}, "prompts, targets, groups and rows differ in length");
    }
    std::size_t p = 0, t = 0;
    for (std::size_t i = 0; i < b; ++i) {
        if (prompts[i].empty() || targets[i].empty()) {
            throw Error({"", 0, "batch"}, "example " + std::to_string(rows[i]) +
                                              " has an empty prompt or target");
        }
        p = std::max(p, prompts[i].size());
        t = std::max(t, targets[i].size());
    }
    const auto opts = torch::TensorOptions().dtype(torch::kInt64);
    const auto B = static_cast<std::int64_t>(b);
    TrainBatch batch;
    batch.promptIds = torch::full({B, static_cast<std::int64_t>(p)}, padId, opts);  // [B, P]
    batch.promptMask = torch::zeros({B, static_cast<std::int64_t>(p)}, opts);      // [B, P]
    batch.targetIds = torch::full({B, static_cast<std::int64_t>(t)}, padId, opts);  // [B, T]
    batch.targetMask = torch::zeros({B, static_cast<std::int64_t>(t)}, opts);      // [B, T]
    batch.targetGroup = torch::empty({B}, opts);                                    // [B]
    auto pi = batch.promptIds.accessor<std::int64_t, 2>();
    auto pm = batch.promptMask.accessor<std::int64_t, 2>();
    auto ti = batch.targetIds.accessor<std::int64_t, 2>();
    auto tm = batch.targetMask.accessor<std::int64_t, 2>();
    auto g = batch.targetGroup.accessor<std::int64_t, 1>();
    for (std::size_t i = 0; i < b; ++i) {
        const std::size_t offset = p - prompts[i].size();  // left padding
        for (std::size_t j = 0; j < prompts[i].size(); ++j) {
            pi[i][offset + j] = prompts[i][j];
            pm[i][offset + j] = 1;
        }
        for (std::size_t j = 0; j < targets[i].size(); ++j) {
            ti[i][j] = targets[i][j];
            tm[i][j] = 1;
        }
        g[i] = groups[i];
    }
    batch.rows = std::move(rows);
    return batch;
}

}  // namespace flower::train
