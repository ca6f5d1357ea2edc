// SeriesSmoothing: TensorBoard's debiased exponential moving average, kept incrementally so
// that a live plot smooths each appended point in O(1) and the result equals smoothing the
// whole series at once. It always runs on the full series, never on a downsampled one
// (downsampling a smoothed curve is fine; smoothing a downsampled one changes the curve).
//
//   last_i   = w · last_{i-1} + (1 − w) · y_i        (last_0 = 0)
//   smooth_i = last_i / (1 − w^{n_i})                 (n_i: finite points so far)
// The division removes the bias towards the initial 0, so the first smoothed value is y_1.
// Non-finite values pass through unchanged and do not enter the average (as TensorBoard).
// No Qt here: the run monitor's LivePlot and the comparison's aggregation (series_aggregation.h,
// which smooths each run before averaging) use this one definition, so curves look the same.
#pragma once

#include <span>
#include <vector>

namespace flower::compare {

class SeriesSmoothing {
public:
    // weight w in [0, 1): 0 = no smoothing; values outside are clamped.
    explicit SeriesSmoothing(double weight = 0.0);

    double weight() const { return weight_; }
    // The smoothed value of the next point.
    double add(double value);
    // Forgets the points seen (keeps the weight).
    void reset();

    // The whole series at once (the reference for the incremental form).
    static std::vector<double> smooth(std::span<const double> values, double weight);

private:
    double weight_ = 0.0;
    double last_ = 0.0;
    double weightPower_ = 1.0;  // w^n
};

}  // namespace flower::compare
