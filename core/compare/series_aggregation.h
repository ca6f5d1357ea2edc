// Series aggregation for the run comparison (issue 18): several runs' curves of one series key
// (loss/total, valid/ndcg@5, …) turned into one mean curve with its spread.
//
// Per run, in this order:
//   1. its points in step order; each point's x is its step, its epoch, or its wall time minus
//      the run's first point's wall time (every run starts at 0 s). A point whose x is not after
//      the previous kept point's x is dropped (a curve only moves right, as in LivePlot);
//   2. the EMA (SeriesSmoothing, the live plots' smoothing) over the kept values, so that a
//      smoothed aggregate is the mean of the curves the user sees smoothed;
// then over all runs:
//   3. x = the union of every run's x values (sorted, each once);
//   4. at each x, every run whose own x range [first, last] contains x contributes its value
//      there: its point at x, or the straight line between its two neighbouring points when it
//      has none (mismatched steps, wall time). A run that ended before x (or started after it)
//      does not contribute, so where runs have unequal length the count drops. Non-finite
//      values do not contribute either;
//   5. per x: count n, mean, sample standard deviation (n − 1 in the denominator; 0 when n = 1),
//      min and max. An x where no run contributes is left out.
// Cost: O(total points × runs) time, no allocation per point beyond the output.
#pragma once

#include "core/store/run_records.h"

#include <span>
#include <vector>

namespace flower::compare {

enum class XAlign { Step, Epoch, WallTime };

// One run's points of one series key (as RunStore::readSeries returns them).
struct RunSeries {
    std::vector<store::ScalarPoint> points;
};

// One run's curve as drawn: x by the alignment, y smoothed (steps 1 and 2 above).
struct Curve {
    std::vector<double> x;
    std::vector<double> y;
};

struct AggregatedSeries {
    std::vector<double> x;
    std::vector<double> mean;
    std::vector<double> stddev;  // sample standard deviation; 0 where count == 1
    std::vector<double> min;
    std::vector<double> max;
    std::vector<int> count;      // runs contributing at x
    std::size_t size() const { return x.size(); }
};

// Steps 1 and 2 for one run; `smoothing` is the EMA weight in [0, 1) (0 = raw).
Curve alignedCurve(std::span<const store::ScalarPoint> points, XAlign align, double smoothing);

// Steps 3–5 over curves from alignedCurve (each with strictly increasing x).
AggregatedSeries aggregateCurves(std::span<const Curve> curves);

// The whole pipeline.
AggregatedSeries aggregateSeries(std::span<const RunSeries> runs, XAlign align, double smoothing);

}  // namespace flower::compare
