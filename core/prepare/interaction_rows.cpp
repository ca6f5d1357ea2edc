#include "core/prepare/interaction_rows.h"

#include "core/prepare/python_random.h"
#include "core/util/error.h"

#include <algorithm>

namespace flower::prepare {

InteractionRows buildRows(const ReviewTable& table, const CoreResult& core, int maxHistory,
                          std::uint64_t seed) {
    if (maxHistory < 1) {
        throw Error({"", 0, "max-history"}, "expected at least 1, got " + std::to_string(maxHistory));
    }
    InteractionRows out;
    out.itemOrder = core.items;
    PythonRandom random(seed);
    random.shuffle(out.itemOrder);
    out.idOfItem.assign(core.titles.size(), -1);
    for (std::size_t id = 0; id < out.itemOrder.size(); ++id) {
        out.idOfItem[out.itemOrder[id]] = static_cast<std::int64_t>(id);
    }

    // Users in order of first appearance; their reviews grouped (counting sort, file order).
    constexpr std::uint32_t kUnseen = 0xFFFFFFFFU;
    std::vector<std::uint32_t> slotOfUser(table.users.size(), kUnseen);
    std::vector<std::uint32_t> counts;
    for (const std::uint32_t i : core.reviews) {
        std::uint32_t& slot = slotOfUser[table.reviews[i].user];
        if (slot == kUnseen) {
            slot = static_cast<std::uint32_t>(counts.size());
            counts.push_back(0);
        }
        ++counts[slot];
    }
    out.users = static_cast<std::int64_t>(counts.size());
    std::vector<std::uint32_t> begin(counts.size() + 1, 0);
    for (std::size_t u = 0; u < counts.size(); ++u) begin[u + 1] = begin[u] + counts[u];
    std::vector<std::uint32_t> fill(begin.begin(), begin.end() - 1);
    out.sequence.resize(core.reviews.size());
    for (const std::uint32_t i : core.reviews) out.sequence[fill[slotOfUser[table.reviews[i].user]]++] = i;

    const auto timeOf = [&](std::uint32_t review) { return table.reviews[review].time; };
    for (std::size_t u = 0; u < counts.size(); ++u) {
        std::stable_sort(out.sequence.begin() + begin[u], out.sequence.begin() + begin[u + 1],
                         [&](std::uint32_t a, std::uint32_t b) { return timeOf(a) < timeOf(b); });
        for (std::uint32_t t = begin[u] + 1; t < begin[u + 1]; ++t) {
            const std::uint32_t from = t - begin[u] > static_cast<std::uint32_t>(maxHistory)
                                           ? t - static_cast<std::uint32_t>(maxHistory)
                                           : begin[u];
            out.rows.push_back({from, t});
        }
    }
    std::stable_sort(out.rows.begin(), out.rows.end(), [&](const InteractionRow& a, const InteractionRow& b) {
        return timeOf(out.sequence[a.target]) < timeOf(out.sequence[b.target]);
    });
    const double n = static_cast<double>(out.rows.size());
    out.trainEnd = static_cast<std::size_t>(n * 0.8);
    out.validEnd = static_cast<std::size_t>(n * 0.9);
    return out;
}

}  // namespace flower::prepare
