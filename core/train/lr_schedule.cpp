#include "core/train/lr_schedule.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace flower::train {

LrSchedule::LrSchedule(double peakLr, std::int64_t warmupSteps, run::LrSchedule shape,
                       std::int64_t totalSteps)
    : peakLr_(peakLr), warmupSteps_(warmupSteps), shape_(shape), totalSteps_(totalSteps) {
    if (!(peakLr >= 0.0) || !std::isfinite(peakLr)) {
        throw Error({"", 0, "optimizer.lr"}, "expected a finite learning rate >= 0, got " +
                                                 std::to_string(peakLr));
    }
    if (warmupSteps < 0) {
        throw Error({"", 0, "optimizer.warmup_steps"},
                    "expected >= 0 warm-up steps, got " + std::to_string(warmupSteps));
    }
    if (totalSteps < 1) {
        throw Error({"", 0, "steps"}, "a schedule needs at least one optimiser step, got " +
                                          std::to_string(totalSteps));
    }
}

double LrSchedule::at(std::int64_t step) const {
    const double s = static_cast<double>(std::max<std::int64_t>(step, 0));
    if (step < warmupSteps_) {
        return peakLr_ * s / static_cast<double>(std::max<std::int64_t>(1, warmupSteps_));
    }
    // Same expressions as transformers' lr_lambda functions (max(1, ·) guards included).
    const double w = static_cast<double>(warmupSteps_);
    const double span = static_cast<double>(std::max<std::int64_t>(1, totalSteps_ - warmupSteps_));
    switch (shape_) {
        case run::LrSchedule::Constant:
            return peakLr_;
        case run::LrSchedule::Linear:
            return peakLr_ * std::max(0.0, (static_cast<double>(totalSteps_) - s) / span);
        case run::LrSchedule::Cosine: {
            const double progress = (s - w) / span;
            return peakLr_ * std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
        }
    }
    return peakLr_;
}

}  // namespace flower::train
