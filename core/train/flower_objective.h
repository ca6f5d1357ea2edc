// FlowerObjective — Flower's flow-guided fine-tuning (paper §3.4, eq. 12):
//   L = L_SFT + λ·L_SubTB      (λ = +∞: L_SubTB alone, the reference's RQ1; λ = 0: L_SFT alone)
// with L_SubTB the modified subtrajectory balance of subtb_loss.h over one title per prompt
// sampled ON-POLICY from the current model under the prefix-tree constraint (trie_sampler.h, no
// gradients). The sampled titles' log P_F(token_t) and log P_F(⊤ at t) — from the model's
// unconstrained log-softmax at temperature 1, as the reference does — come from ONE
// teacher-forced forward with gradients, batched with the SFT targets: the prompt runs once and
// both continuations branch off its KV cache (continuation_log_probs.h), so gradients flow
// through the shared prompt and the whole step costs little more than an SFT step.
//
// Log rewards along a sampled title y_0..y_{c−1}, ⊤ (logr_j = the reward variant's log process
// reward of token j, from the FlowTable):
//   log R_t = Σ_{j<t} logr_j + logr(⊤ | y_<t)   when y_<t is a complete title,
//   log R_t = Σ_{j<t} logr_j − 15               otherwise,      t = 0..c.
// Differences from the reference, on purpose:
//   - every complete-title prefix gets its termination reward (the definition); the
//     reference gives it only at the sampled title's final position (−15 at "Cars" inside
//     "Cars 2"). The two agree for titles that are no other title's prefix.
//   - rollouts see the full context (prompt + prefix); the reference's script sets
//     use_cache=False and feeds only the last token after the first step.
//   - no second forward to recompute rewards (the reference computes logits and overwrites them).
//   - a zero-flow edge (reward 0, no smoothing: log r = −∞) counts as −15, like leaving the tree,
//     so the loss stays finite.
// Reward variants: flow, flow_div_pref, flow_plus_log_pref (core/flow/reward_variant.h); the
// preference variants need a PreferenceModel (scores per training row = TrainBatch::rows) and
// transform the title's token rewards and every termination reward with the factor of the
// title ending there. Granularity n > 1: the SubTB balances flows between states every n tokens
// (core/flow/coarse_flows.h), a chunk's log P_F being the sum of its tokens'
// (coarse_trajectory.h); rollouts and the teacher-forced pass are the same.
//
// Tree-normalised P_F (treeNormalised): log P_F(y_t) and log P_F(⊤ at t) come from the softmax
// restricted to the children of the node after y_<t plus ⊤ (⊤ at a node where no title ends is
// an early stop worth −15, as above). SubTB then fits the trie-constrained policy itself: with
// no mass outside the tree the flows are pinned (F(s) = R(s) + Σ F(children)), so the
// constrained title distribution tends to R / ΣR (measured in core/train/README.md, RQ1).
//
// Off-policy steps: with probability offlineProbability a step's trajectories are trie titles
// drawn ∝ their token count (the reference's RQ1 replay buffer, lightning_module.py
// training_step) instead of on-policy samples; strictly on-policy SubTB at T = 1 stops visiting
// titles whose probability collapsed and never fits them (core/train/README.md).
// Rollouts are trie-constrained by default (the definition); SamplingConstraint::Free
// samples from the whole vocabulary as the reference's training does, so that a step leaving the
// tree earns the −15 penalty. Only free rollouts teach the policy to keep its unconstrained mass
// inside the tree — SubTB on trie-constrained or buffer trajectories fits the RATIOS of the
// flows through the unconstrained softmax and leaves the mass outside the tree free, which
// reweights what trie-constrained sampling draws (measured in core/train/README.md, RQ1).
// Scalars: loss/total, loss/sft (unless λ = ∞), loss/subtb (unless λ = 0), flower/valid_fraction
// (share of samples that reached a title), flower/offline (1 for a buffer step),
// flower/offline_subtb (the SubTB loss of a buffer step, else 0: with flower/offline, the mean
// buffer loss the decay reads), flower/offline_probability (the chance now),
// flower/mean_title_tokens, flower/mean_log_reward (mean log R at the sampled titles' termination).
// Ownership: refers to the FlowTable (and its trie) and the PreferenceModel, which must outlive it.
// The trie's token ids must be the model's ids (compact ids for a tiny model).
// Failure: flower::Error for a negative/NaN λ, a variant needing preferences without a model,
// granularity < 1, a non-positive temperature, a batch that does not match the trie/vocabulary.
#pragma once

#include "core/flow/flow_table.h"
#include "core/flow/reward_variant.h"
#include "core/train/objective.h"
#include "core/train/trie_sampler.h"

#include <span>
#include <vector>

namespace flower::train {

struct FlowerOptions {
    double lambda = 0.001;             // weight of L_SubTB; +inf = SubTB only, 0 = SFT only
    double subtbLambda = 1.0;          // geometric weight λ^(len−1) of subtrajectory lengths
    double samplingTemperature = 1.0;  // on-policy rollout temperature
    int granularity = 1;               // tokens per flow step (states every n tokens)
    int maxTokens = 0;                 // rollout limit (⊤ included); 0 = until ⊤
    SamplingConstraint rollout = SamplingConstraint::Trie;  // Free: the reference's rollouts
    // What log P_F is normalised over: the whole vocabulary (the reference, the issue's
    // definition) or the node's children + ⊤ ("tree": the GFlowNet over the tree's own actions,
    // whose title distribution is what trie-constrained sampling draws). Tree needs Trie rollouts.
    bool treeNormalised = false;
    double offlineProbability = 0.0;   // chance per step of training on buffer titles — trie
                                       // titles drawn ∝ token length, teacher-forced, as the
                                       // reference's RQ1 (use_buffer_prob) — instead of rollouts
    // The reference's schedule of that chance (lightning_module.py on_validation_epoch_end):
    // after every epoch but the first whose mean SubTB loss over buffer steps is below
    // `decayThreshold`, while the chance is above `decayFloor`, it drops by `decayStep`.
    // decayStep = 0: constant.
    double decayThreshold = 0.05;
    double decayStep = 0.0;
    double decayFloor = 0.15;
};

class FlowerObjective : public Objective {
public:
    static constexpr double kNoTitleLogReward = -15.0;  // the reference's penalty

    FlowerObjective(const flow::FlowTable& flows, flow::RewardVariant variant, FlowerOptions options,
                    const flow::PreferenceModel* preferences = nullptr);

    std::string name() const override { return "flower"; }
    LossTerms compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                      at::Generator& generator) override;

    // log R_t for t = 0..c of one sampled title (its c tokens, ⊤ excluded) for training row
    // `row` (only read by the preference variants). Host code: a handful of tokens.
    std::vector<double> logRewards(std::span<const std::int64_t> titleTokens, std::int64_t row) const;

    const FlowerOptions& options() const { return options_; }
    // The chance of a buffer step now (offlineProbability, lowered by the decay).
    double offlineProbability() const { return offlineProbability_; }

    void endEpoch(std::int64_t epoch, const std::map<std::string, double>& epochMeans) override;
    std::map<std::string, double> state() const override;
    void restoreState(const std::map<std::string, double>& state) override;

private:
    const flow::FlowTable* flows_;
    flow::RewardVariant variant_;
    FlowerOptions options_;
    const flow::PreferenceModel* preferences_;
    double offlineProbability_;
};

}  // namespace flower::train
