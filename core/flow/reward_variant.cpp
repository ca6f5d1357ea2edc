#include "core/flow/reward_variant.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>

namespace flower::flow {

namespace {
constexpr double kEpsilon = 1e-20;  // the reference's guard against division by / log of zero
}

RewardVariant RewardVariant::fromName(std::string_view name, double lambda) {
    if (name == "flow") return {Kind::Flow, lambda};
    if (name == "flow_div_pref") return {Kind::FlowDivPref, lambda};
    if (name == "flow_plus_log_pref") return {Kind::FlowPlusLogPref, lambda};
    throw Error({"", 0, "reward_variant"}, "unknown reward variant \"" + std::string(name) +
                                               "\" (expected flow, flow_div_pref or flow_plus_log_pref)");
}

std::vector<std::string> RewardVariant::names() {
    return {"flow", "flow_div_pref", "flow_plus_log_pref"};
}

std::string RewardVariant::name() const {
    switch (kind_) {
        case Kind::Flow: return "flow";
        case Kind::FlowDivPref: return "flow_div_pref";
        case Kind::FlowPlusLogPref: return "flow_plus_log_pref";
    }
    return "";
}

double RewardVariant::preferenceFactor(std::span<const double> scores, std::int64_t item) const {
    if (kind_ == Kind::Flow) return 1.0;
    if (item < 0 || static_cast<std::size_t>(item) >= scores.size()) {
        throw Error({"", 0, "item"}, "item " + std::to_string(item) + " is outside the " +
                                         std::to_string(scores.size()) + " preference scores");
    }
    // p_u = softmax(scores), computed stably.
    const double top = *std::max_element(scores.begin(), scores.end());
    std::vector<double> p(scores.size());
    double sum = 0.0;
    for (std::size_t i = 0; i < scores.size(); ++i) sum += (p[i] = std::exp(scores[i] - top));
    for (double& v : p) v /= sum;
    const auto [lo, hi] = std::minmax_element(p.begin(), p.end());
    if (*hi == *lo) {
        throw Error({"", 0, "preference"}, "all preference scores are equal; s is undefined");
    }
    const double range = *hi - *lo;
    const double value = p[static_cast<std::size_t>(item)];
    if (kind_ == Kind::FlowDivPref) {
        double mean = 0.0;
        for (const double v : p) mean += v;
        mean /= static_cast<double>(p.size());
        return (value - mean) / range + 1.0;
    }
    return (value - *lo) / range;
}

void RewardVariant::apply(std::span<double> logRewards, double factor) const {
    switch (kind_) {
        case Kind::Flow: return;
        case Kind::FlowDivPref:
            for (double& r : logRewards) r /= factor + kEpsilon;
            return;
        case Kind::FlowPlusLogPref: {
            const double add = lambda_ * std::log(factor + kEpsilon);
            for (double& r : logRewards) r += add;
            return;
        }
    }
}

void RewardVariant::apply(std::span<double> logRewards, const PreferenceModel& model,
                          std::int64_t row, std::int64_t item) const {
    if (kind_ == Kind::Flow) return;
    const std::vector<double> scores = model.scores(row);
    apply(logRewards, preferenceFactor(scores, item));
}

}  // namespace flower::flow
