// RewardVariant: how a sampled title's token-level log rewards are personalised, selectable by
// name as in the paper's comparison (and the reference's training scripts):
//   "flow"               — the plain log process rewards of FlowTable (train_sft-gfn_logp);
//   "flow_div_pref"      — each log reward divided by (s + 1e-20), where
//                          s = (p − mean(p_u)) / (max(p_u) − min(p_u)) + 1 (logp_div_s);
//   "flow_plus_log_pref" — each log reward plus λ·log(s' + 1e-20), where
//                          s' = (p − min(p_u)) / (max(p_u) − min(p_u)) (logp_add_logs).
// p_u is the softmax of the preference model's scores over all items for that training row,
// p its value at the sampled title's item. Every log reward of the title is transformed,
// the termination step's included, as the reference does.
// Failure (flower::Error): an unknown variant name (the message lists the valid ones),
// preference scores that are all equal (the normalisation is undefined; the reference raises
// too), an item index outside the scores.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flower::flow {

// Scores a preference model (SASRec, later) gives every item for one training row.
class PreferenceModel {
public:
    virtual ~PreferenceModel() = default;
    // Unnormalised scores, one per item id (the catalogue's ids 0..n-1), for training row `row`.
    virtual std::vector<double> scores(std::int64_t row) const = 0;
};

class RewardVariant {
public:
    enum class Kind { Flow, FlowDivPref, FlowPlusLogPref };

    // "flow", "flow_div_pref" or "flow_plus_log_pref"; `lambda` is λ of flow_plus_log_pref.
    static RewardVariant fromName(std::string_view name, double lambda = 1.0);
    static std::vector<std::string> names();

    Kind kind() const { return kind_; }
    std::string name() const;
    double lambda() const { return lambda_; }
    bool needsPreference() const { return kind_ != Kind::Flow; }

    // s (flow_div_pref) or s' (flow_plus_log_pref) of `item` from one row's raw scores; 1 for flow.
    double preferenceFactor(std::span<const double> scores, std::int64_t item) const;

    // Transforms a title's log rewards in place given its preference factor.
    void apply(std::span<double> logRewards, double factor) const;

    // Both steps at once: the factor from `model` for (row, item), then apply.
    void apply(std::span<double> logRewards, const PreferenceModel& model, std::int64_t row,
               std::int64_t item) const;

private:
    RewardVariant(Kind kind, double lambda) : kind_(kind), lambda_(lambda) {}
    Kind kind_;
    double lambda_;
};

}  // namespace flower::flow
