#include "core/decode/beam_hypotheses.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace flower::decode {

double BeamHypotheses::penalised(double sumScore, std::int64_t length) const {
    return sumScore / std::pow(static_cast<double>(length), lengthPenalty_);
}

void BeamHypotheses::add(Hypothesis h) {
    h.score = penalised(h.sumScore, static_cast<std::int64_t>(h.tokenScores.size()));
    if (static_cast<int>(held_.size()) < beams_ || h.score > worst_) {
        const double score = h.score;
        held_.push_back(std::move(h));
        if (static_cast<int>(held_.size()) > beams_) {
            // Drop the worst (the first of equal worst ones, as HF's sorted (score, index) list);
            // the new worst is the second lowest.
            std::size_t worst = 0;
            for (std::size_t i = 1; i < held_.size(); ++i) {
                if (held_[i].score < held_[worst].score) worst = i;
            }
            held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(worst));
            worst_ = held_.front().score;
            for (const auto& k : held_) worst_ = std::min(worst_, k.score);
        } else {
            worst_ = std::min(worst_, score);
        }
    }
}

bool BeamHypotheses::isDone(double bestRunningSum, std::int64_t length) const {
    if (static_cast<int>(held_.size()) < beams_) return false;
    return worst_ >= penalised(bestRunningSum, length);
}

std::vector<Hypothesis> BeamHypotheses::best() const {
    // HF sorts ascending (stable) and pops from the back: best first, later-added first on ties.
    std::vector<std::size_t> order(held_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return held_[a].score < held_[b].score; });
    std::vector<Hypothesis> out;
    out.reserve(order.size());
    for (auto it = order.rbegin(); it != order.rend(); ++it) out.push_back(held_[*it]);
    return out;
}

}  // namespace flower::decode
