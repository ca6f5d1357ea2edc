#include "core/compare/series_smoothing.h"

#include <algorithm>
#include <cmath>

namespace flower::compare {

SeriesSmoothing::SeriesSmoothing(double weight) : weight_(std::clamp(weight, 0.0, 0.999)) {}

double SeriesSmoothing::add(double value) {
    if (!std::isfinite(value) || weight_ == 0.0) {
        return value;
    }
    last_ = last_ * weight_ + (1.0 - weight_) * value;
    weightPower_ *= weight_;  // w^n without pow(); underflows harmlessly to 0
    return last_ / (1.0 - weightPower_);
}

void SeriesSmoothing::reset() {
    last_ = 0.0;
    weightPower_ = 1.0;
}

std::vector<double> SeriesSmoothing::smooth(std::span<const double> values, double weight) {
    SeriesSmoothing s(weight);
    std::vector<double> out;
    out.reserve(values.size());
    for (double v : values) {
        out.push_back(s.add(v));
    }
    return out;
}

}  // namespace flower::compare
