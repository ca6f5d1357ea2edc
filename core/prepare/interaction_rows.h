// InteractionRows: the reference's sequences and split. Item ids: the kept items in order of
// first appearance, shuffled by CPython's `random.seed(42); random.shuffle` (python_random.h),
// id = position. Each user's reviews (users in order of first appearance) sorted by time,
// stable; for every i ≥ 1 a row with history = the previous ≤ maxHistory reviews and target
// review i (repeated reviews stay). All rows sorted by target time (stable); train = the first
// int(0.8·N), valid = up to int(0.9·N), test = the rest (float products, as Python computes).
#pragma once

#include "core/prepare/amazon_raw.h"
#include "core/prepare/core_selection.h"

#include <cstdint>
#include <vector>

namespace flower::prepare {

struct InteractionRow {
    std::uint32_t historyBegin;  // positions in InteractionRows::sequence
    std::uint32_t target;        // history = [historyBegin, target)
};

struct InteractionRows {
    std::vector<std::uint32_t> itemOrder;  // itemOrder[id] = item (MetaTable::asins index)
    std::vector<std::int64_t> idOfItem;    // per item: its id, -1 when not kept
    std::vector<std::uint32_t> sequence;   // review indices grouped by user, each group by time
    std::vector<InteractionRow> rows;      // sorted by target time
    std::size_t trainEnd = 0, validEnd = 0;
    std::int64_t users = 0;
};

InteractionRows buildRows(const ReviewTable& table, const CoreResult& core, int maxHistory,
                          std::uint64_t seed = 42);

}  // namespace flower::prepare
