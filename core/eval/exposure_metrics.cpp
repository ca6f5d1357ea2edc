#include "core/eval/exposure_metrics.h"

#include "core/eval/title_catalogue.h"
#include "core/util/error.h"

#include <algorithm>

namespace flower::eval {

ExposureMetrics exposureMetrics(std::span<const std::vector<std::string>> lists, int k,
                                const TitleCatalogue& catalogue) {
    if (k < 1) throw Error({"", 0, "k"}, "expected a cut-off K ≥ 1, got " + std::to_string(k));
    std::vector<std::int64_t> exposure(catalogue.distinctTitles().size(), 0);
    std::int64_t total = 0;
    for (const auto& list : lists) {
        const std::size_t n = std::min(list.size(), static_cast<std::size_t>(k));
        for (std::size_t i = 0; i < n; ++i) {
            const std::ptrdiff_t item = catalogue.indexOf(list[i]);
            if (item < 0) continue;
            ++exposure[static_cast<std::size_t>(item)];
            ++total;
        }
    }
    ExposureMetrics m;
    m.items = static_cast<std::int64_t>(exposure.size());
    for (const auto e : exposure) m.coveredItems += e > 0 ? 1 : 0;
    if (m.items == 0) return m;
    const double n = static_cast<double>(m.items);
    m.coverage = static_cast<double>(m.coveredItems) / n;
    if (total > 0) {
        std::sort(exposure.begin(), exposure.end());
        // Σ (2i − n − 1) e_(i) in integers: exact for any realistic count.
        std::int64_t weighted = 0;
        for (std::size_t i = 0; i < exposure.size(); ++i) {
            weighted += (2 * static_cast<std::int64_t>(i + 1) - m.items - 1) * exposure[i];
        }
        m.gini = static_cast<double>(weighted) / (n * static_cast<double>(total));
    }
    return m;
}

}  // namespace flower::eval
