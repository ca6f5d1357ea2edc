#include "core/sasrec/sequence_tensors.h"

#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>

namespace flower::sasrec {

SequenceTensors SequenceTensors::fromSplit(const data::InteractionSplit& split, std::int64_t items,
                                           std::int64_t maxLength) {
    const auto n = static_cast<std::int64_t>(split.size());
    SequenceTensors t;
    t.states = torch::full({n, maxLength}, items, torch::kInt64);
    t.lengths = torch::empty({n}, torch::kInt64);
    t.targets = torch::empty({n}, torch::kInt64);
    auto s = t.states.accessor<std::int64_t, 2>();
    auto len = t.lengths.accessor<std::int64_t, 1>();
    auto next = t.targets.accessor<std::int64_t, 1>();
    const auto& rows = split.rows();
    auto where = [&](std::int64_t r) {
        return ErrorLocation{split.name(), rows[static_cast<std::size_t>(r)].line, "history_item_id"};
    };
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& row = rows[static_cast<std::size_t>(r)];
        if (row.history.empty()) {
            throw Error(where(r), "SASRec needs at least one history item per row (it scores the "
                                  "state at the last history position)");
        }
        const auto count = std::min<std::int64_t>(maxLength, static_cast<std::int64_t>(row.history.size()));
        const auto from = static_cast<std::int64_t>(row.history.size()) - count;
        for (std::int64_t i = 0; i < count; ++i) {
            const auto id = row.history[static_cast<std::size_t>(from + i)];
            if (id < 0 || id >= items) {
                throw Error(where(r), "item id " + std::to_string(id) + " is outside the catalogue's " +
                                          std::to_string(items) + " items");
            }
            s[r][i] = id;
        }
        if (row.target < 0 || row.target >= items) {
            throw Error({split.name(), row.line, "item_id"},
                        "item id " + std::to_string(row.target) + " is outside the catalogue's " +
                            std::to_string(items) + " items");
        }
        len[r] = count;
        next[r] = row.target;
    }
    return t;
}

SequenceTensors SequenceTensors::select(const at::Tensor& index) const {
    return {states.index_select(0, index), lengths.index_select(0, index), targets.index_select(0, index)};
}

}  // namespace flower::sasrec
