// EnvelopeDownsampler: what a plot draws of a series that has more points than the plot has
// pixels. The key range is cut into `buckets` equal-width buckets (one per pixel column); each
// non-empty bucket keeps its first, minimum, maximum and last point, in key order (the "M4"
// aggregation). So the drawn line covers exactly the same vertical extent in every pixel column
// as the full series would, spikes stay visible, and the series' first and last points are
// always kept. Input keys must be sorted (non-decreasing); NaN values never win min/max.
// No Qt here: the maths is tested on its own.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace flower::widgets {

struct EnvelopeSeries {
    std::vector<double> keys;
    std::vector<double> values;
};

class EnvelopeDownsampler {
public:
    // At most 4·buckets points; the input unchanged when it has no more than that (or buckets < 1).
    static EnvelopeSeries downsample(std::span<const double> keys, std::span<const double> values,
                                     int buckets);
    // Whether downsample() would reduce a series of n points.
    static bool reduces(std::size_t n, int buckets) {
        return buckets >= 1 && n > 4 * static_cast<std::size_t>(buckets);
    }
};

}  // namespace flower::widgets
