#include "widgets/envelope_downsampler.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace flower::widgets {

EnvelopeSeries EnvelopeDownsampler::downsample(std::span<const double> keys,
                                               std::span<const double> values, int buckets) {
    const std::size_t n = std::min(keys.size(), values.size());
    EnvelopeSeries out;
    const double k0 = n > 0 ? keys[0] : 0.0;
    const double width = n > 0 ? (keys[n - 1] - k0) / buckets : 0.0;
    if (!reduces(n, buckets) || !(width > 0.0)) {
        out.keys.assign(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
        out.values.assign(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n));
        return out;
    }
    out.keys.reserve(4 * static_cast<std::size_t>(buckets));
    out.values.reserve(4 * static_cast<std::size_t>(buckets));

    std::size_t first = 0;
    std::size_t lo = 0;
    std::size_t hi = 0;
    int bucket = 0;
    auto flush = [&](std::size_t last) {
        std::array<std::size_t, 4> picks = {first, lo, hi, last};
        std::sort(picks.begin(), picks.end());
        const auto end = std::unique(picks.begin(), picks.end());
        for (auto it = picks.begin(); it != end; ++it) {
            out.keys.push_back(keys[*it]);
            out.values.push_back(values[*it]);
        }
    };
    for (std::size_t i = 0; i < n; ++i) {
        // The last key falls on the right edge: it belongs to the last bucket.
        const int b = std::min(buckets - 1, static_cast<int>((keys[i] - k0) / width));
        if (i == 0 || b != bucket) {
            if (i > 0) {
                flush(i - 1);
            }
            bucket = b;
            first = lo = hi = i;
            continue;
        }
        // A NaN compares false both ways, so it is never picked (unless it is first or last).
        if (values[i] < values[lo] || std::isnan(values[lo])) lo = i;
        if (values[i] > values[hi] || std::isnan(values[hi])) hi = i;
    }
    flush(n - 1);
    return out;
}

}  // namespace flower::widgets
