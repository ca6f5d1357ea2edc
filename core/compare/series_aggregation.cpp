#include "core/compare/series_aggregation.h"

#include "core/compare/series_smoothing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flower::compare {

Curve alignedCurve(std::span<const store::ScalarPoint> points, XAlign align, double smoothing) {
    Curve c;
    c.x.reserve(points.size());
    c.y.reserve(points.size());
    const double origin = points.empty() ? 0.0 : points.front().wallTime;
    SeriesSmoothing ema(smoothing);
    for (const auto& p : points) {
        double x = static_cast<double>(p.step);
        if (align == XAlign::Epoch) x = p.epoch;
        if (align == XAlign::WallTime) x = p.wallTime - origin;
        if (!std::isfinite(x) || (!c.x.empty() && x <= c.x.back())) {
            continue;
        }
        c.x.push_back(x);
        c.y.push_back(ema.add(p.value));
    }
    return c;
}

AggregatedSeries aggregateCurves(std::span<const Curve> curves) {
    AggregatedSeries out;
    std::size_t total = 0;
    for (const auto& c : curves) total = std::max(total, c.x.size());
    for (auto* v : {&out.x, &out.mean, &out.stddev, &out.min, &out.max}) v->reserve(total);
    out.count.reserve(total);

    constexpr double kInf = std::numeric_limits<double>::infinity();
    // cursor[r]: index of run r's first point with x ≥ the current x.
    std::vector<std::size_t> cursor(curves.size(), 0);
    std::vector<double> values(curves.size());
    while (true) {
        double x = kInf;
        for (std::size_t r = 0; r < curves.size(); ++r) {
            if (cursor[r] < curves[r].x.size()) x = std::min(x, curves[r].x[cursor[r]]);
        }
        if (x == kInf) break;
        std::size_t n = 0;
        for (std::size_t r = 0; r < curves.size(); ++r) {
            const Curve& c = curves[r];
            const std::size_t i = cursor[r];
            if (i >= c.x.size()) continue;  // ended before x
            double v;
            if (c.x[i] == x) {
                v = c.y[i];
                cursor[r] = i + 1;
            } else if (i == 0) {
                continue;  // starts after x
            } else {
                const double t = (x - c.x[i - 1]) / (c.x[i] - c.x[i - 1]);
                v = c.y[i - 1] + t * (c.y[i] - c.y[i - 1]);
            }
            if (std::isfinite(v)) values[n++] = v;
        }
        if (n == 0) continue;
        double sum = 0, lo = kInf, hi = -kInf;
        for (std::size_t k = 0; k < n; ++k) {
            sum += values[k];
            lo = std::min(lo, values[k]);
            hi = std::max(hi, values[k]);
        }
        const double mean = sum / static_cast<double>(n);
        double squares = 0;
        for (std::size_t k = 0; k < n; ++k) squares += (values[k] - mean) * (values[k] - mean);
        out.x.push_back(x);
        out.mean.push_back(mean);
        out.stddev.push_back(n > 1 ? std::sqrt(squares / static_cast<double>(n - 1)) : 0.0);
        out.min.push_back(lo);
        out.max.push_back(hi);
        out.count.push_back(static_cast<int>(n));
    }
    return out;
}

AggregatedSeries aggregateSeries(std::span<const RunSeries> runs, XAlign align, double smoothing) {
    std::vector<Curve> curves;
    curves.reserve(runs.size());
    for (const auto& r : runs) curves.push_back(alignedCurve(r.points, align, smoothing));
    return aggregateCurves(curves);
}

}  // namespace flower::compare
