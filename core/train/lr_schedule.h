// LrSchedule: the learning rate of every optimiser step, as Hugging Face's schedulers compute it
// (get_constant/linear/cosine_schedule_with_warmup), so runs compare with the reference's:
// linear warm-up from 0 to the peak over `warmupSteps`, then constant, linear decay to 0 at
// `totalSteps`, or half a cosine to 0 at `totalSteps`.
//
// `step` counts optimiser updates already done (0-based): the first update uses at(0), which is
// 0 when there is a warm-up — exactly as transformers does. A pure function of the step, so a
// resumed run needs no scheduler state.
// Failure: flower::Error for a negative peak, negative warm-up or totalSteps < 1.
#pragma once

#include "core/run/experiment_config.h"

#include <cstdint>

namespace flower::train {

class LrSchedule {
public:
    LrSchedule(double peakLr, std::int64_t warmupSteps, run::LrSchedule shape,
               std::int64_t totalSteps);

    // The learning rate of the update that follows `step` completed updates.
    double at(std::int64_t step) const;

    double peak() const { return peakLr_; }
    std::int64_t warmupSteps() const { return warmupSteps_; }
    std::int64_t totalSteps() const { return totalSteps_; }
    run::LrSchedule shape() const { return shape_; }

private:
    double peakLr_;
    std::int64_t warmupSteps_;
    run::LrSchedule shape_;
    std::int64_t totalSteps_;
};

}  // namespace flower::train
