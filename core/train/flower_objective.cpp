#include "core/train/flower_objective.h"

#include "core/train/coarse_trajectory.h"

#include "core/model/qwen2_for_causal_lm.h"
#include "core/train/continuation_log_probs.h"
#include "core/train/sft_objective.h"
#include "core/train/subtb_loss.h"
#include "core/train/trie_sampler.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <cmath>
#include <optional>

namespace flower::train {

namespace {

double finiteOrPenalty(double logReward) {
    return std::isfinite(logReward) ? logReward : FlowerObjective::kNoTitleLogReward;
}

// [R, T] → [R, W] (W ≥ T), new columns filled with `value`.
at::Tensor padColumns(const at::Tensor& t, std::int64_t width, std::int64_t value) {
    if (t.size(1) == width) return t;
    return torch::cat({t, torch::full({t.size(0), width - t.size(1)}, value, t.options())}, 1);
}

}  // namespace

FlowerObjective::FlowerObjective(const flow::FlowTable& flows, flow::RewardVariant variant,
                                 FlowerOptions options, const flow::PreferenceModel* preferences)
    : flows_(&flows),
      variant_(variant),
      options_(options),
      preferences_(preferences),
      offlineProbability_(options.offlineProbability) {
    if (!(options_.offlineProbability >= 0.0 && options_.offlineProbability <= 1.0) ||
        !(options_.decayStep >= 0.0) || !std::isfinite(options_.decayStep) ||
        !std::isfinite(options_.decayThreshold) || !std::isfinite(options_.decayFloor)) {
        throw Error({"", 0, "offline_probability"},
                    "expected a buffer chance in [0, 1] and a finite decay step ≥ 0, threshold and floor");
    }
    if (std::isnan(options_.lambda) || options_.lambda < 0.0) {
        throw Error({"", 0, "lambda"}, "λ must be ≥ 0 (or inf), got " + std::to_string(options_.lambda));
    }
    checkSamplingTemperature(options_.samplingTemperature);
    if (options_.treeNormalised && options_.rollout == SamplingConstraint::Free) {
        throw Error({"", 0, "rollout.log_pf"},
                    "a tree-normalised P_F needs trie-constrained rollouts (rollout.constraint "
                    "\"trie\"): a free rollout's off-tree token has no probability under it");
    }
    if (options_.granularity < 1) {
        throw Error({"", 0, "reward.granularity"},
                    "expected a granularity ≥ 1 (tokens per flow step), got " + std::to_string(options_.granularity));
    }
    if (variant_.needsPreference() && preferences_ == nullptr) {
        throw Error({"", 0, "reward.variant"}, "reward variant \"" + variant_.name() +
                                                   "\" needs a preference model, and none was given");
    }
}

std::vector<double> FlowerObjective::logRewards(std::span<const std::int64_t> titleTokens,
                                                std::int64_t row) const {
    const flow::TitleTrie& trie = flows_->trie();
    const flow::TokenId term = trie.terminationToken();
    const auto c = titleTokens.size();
    std::optional<std::vector<double>> scores;
    if (variant_.needsPreference()) scores = preferences_->scores(row);

    // Log reward of terminating at `node`, if a title ends there (variant applied with the
    // factor of that title's item).
    auto terminationReward = [&](flow::NodeId node) -> std::optional<double> {
        if (node == flow::TitleTrie::kNoNode) return std::nullopt;
        const flow::NodeId end = trie.child(node, term);
        if (end == flow::TitleTrie::kNoNode) return std::nullopt;
        double value = flows_->logProcessReward(end);
        if (scores) {
            const auto item = trie.itemIds(trie.titlesBelow(end).front()).front();
            variant_.apply(std::span<double>(&value, 1), variant_.preferenceFactor(*scores, item));
        }
        return finiteOrPenalty(value);
    };

    std::vector<flow::NodeId> nodes(c + 1, flow::TitleTrie::kNoNode);  // n_t: node after t tokens
    nodes[0] = flow::TitleTrie::kRoot;
    std::vector<double> logr(c, kNoTitleLogReward);                      // per title token
    for (std::size_t j = 0; j < c && nodes[j] != flow::TitleTrie::kNoNode; ++j) {
        nodes[j + 1] = trie.child(nodes[j], static_cast<flow::TokenId>(titleTokens[j]));
        if (nodes[j + 1] != flow::TitleTrie::kNoNode) logr[j] = flows_->logProcessReward(nodes[j + 1]);
    }
    if (scores && nodes[c] != flow::TitleTrie::kNoNode) {
        const flow::NodeId end = trie.child(nodes[c], term);
        if (end != flow::TitleTrie::kNoNode) {
            const auto item = trie.itemIds(trie.titlesBelow(end).front()).front();
            variant_.apply(logr, variant_.preferenceFactor(*scores, item));
        }
    }
    std::vector<double> logR(c + 1);
    double prefix = 0.0;
    for (std::size_t t = 0; t <= c; ++t) {
        logR[t] = prefix + terminationReward(nodes[t]).value_or(kNoTitleLogReward);
        if (t < c) prefix += finiteOrPenalty(logr[t]);
    }
    return logR;
}

namespace {

// The reference's RQ1 replay buffer: B trie titles drawn with replacement ∝ their token count
// (random.choices(possible_output, weights=len(encode(title)))), laid out as sampleTitles does.
SampledTitles bufferTitles(const flow::TitleTrie& trie, std::int64_t B, at::Generator& generator) {
    const auto n = static_cast<std::int64_t>(trie.titleCount());
    std::vector<double> weights(static_cast<std::size_t>(n));
    std::int64_t L = 1;
    for (std::int64_t t = 0; t < n; ++t) {
        const auto length = static_cast<std::int64_t>(trie.titleTokens(static_cast<flow::TitleIndex>(t)).size());
        weights[static_cast<std::size_t>(t)] = static_cast<double>(length);
        L = std::max(L, length + 1);
    }
    const at::Tensor picks = at::multinomial(torch::tensor(weights, torch::kDouble), B,
                                             /*replacement=*/true, generator);  // [B]
    SampledTitles out;
    out.tokens = torch::full({B, L}, static_cast<std::int64_t>(trie.terminationToken()), torch::kLong);
    out.lengths = torch::zeros({B}, torch::kLong);
    auto tok = out.tokens.accessor<std::int64_t, 2>();
    auto len = out.lengths.accessor<std::int64_t, 1>();
    const auto pick = picks.accessor<std::int64_t, 1>();
    for (std::int64_t b = 0; b < B; ++b) {
        const auto title = static_cast<flow::TitleIndex>(pick[b]);
        const auto tokens = trie.titleTokens(title);
        for (std::size_t t = 0; t < tokens.size(); ++t) tok[b][static_cast<std::int64_t>(t)] = tokens[t];
        len[b] = static_cast<std::int64_t>(tokens.size()) + 1;  // ⊤ included
        out.endNodes.push_back(trie.terminalOf(title));
        out.titles.push_back(title);
    }
    return out;
}

// For each sampled row and position t ≤ its length, the tokens P_F is normalised over under
// the tree: the children of the node after t tokens, plus ⊤; −1 elsewhere. `skip` leading rows
// (the SFT targets) stay −1: normalised over the vocabulary.
at::Tensor treeNormalisers(const flow::TitleTrie& trie, const SampledTitles& sampled,
                           std::int64_t width, std::int64_t skip) {
    const std::int64_t B = sampled.size();
    const auto term = static_cast<std::int64_t>(trie.terminationToken());
    const auto tok = sampled.tokens.accessor<std::int64_t, 2>();
    const auto len = sampled.lengths.accessor<std::int64_t, 1>();
    std::vector<std::vector<std::vector<std::int64_t>>> lists(static_cast<std::size_t>(B));
    std::size_t C = 1;
    for (std::int64_t b = 0; b < B; ++b) {
        flow::NodeId node = flow::TitleTrie::kRoot;
        for (std::int64_t t = 0; t < std::min(width, len[b] + 1) && node != flow::TitleTrie::kNoNode; ++t) {
            std::vector<std::int64_t> list(trie.childTokens(node).begin(), trie.childTokens(node).end());
            if (trie.child(node, static_cast<flow::TokenId>(term)) == flow::TitleTrie::kNoNode) list.push_back(term);
            C = std::max(C, list.size());
            lists[static_cast<std::size_t>(b)].push_back(std::move(list));
            if (t < len[b]) node = trie.child(node, static_cast<flow::TokenId>(tok[b][t]));
        }
    }
    at::Tensor out = torch::full({skip + B, width, static_cast<std::int64_t>(C)}, -1, torch::kLong);
    auto acc = out.accessor<std::int64_t, 3>();
    for (std::int64_t b = 0; b < B; ++b) {
        const auto& rows = lists[static_cast<std::size_t>(b)];
        for (std::size_t t = 0; t < rows.size(); ++t) {
            for (std::size_t k = 0; k < rows[t].size(); ++k) {
                acc[skip + b][static_cast<std::int64_t>(t)][static_cast<std::int64_t>(k)] = rows[t][k];
            }
        }
    }
    return out;
}

}  // namespace

LossTerms FlowerObjective::compute(model::Qwen2ForCausalLMImpl& model, const TrainBatch& batch,
                                   at::Generator& generator) {
    const bool useSft = std::isfinite(options_.lambda);
    const bool useSubtb = options_.lambda > 0.0;
    LossTerms out;
    if (!useSubtb) {  // λ = 0: plain SFT, no rollout
        const auto [nll, count] = SftObjective::targetNll(model, batch, &out.tokens);
        out.loss = nll.sum() / count.sum();
        const double value = out.loss.item<double>();
        out.scalars = {{"loss/total", value}, {"loss/sft", value}};
        return out;
    }
    const flow::TitleTrie& trie = flows_->trie();
    const std::int64_t term = trie.terminationToken();
    const std::int64_t B = batch.promptIds.size(0);
    const auto device = batch.promptIds.device();

    // 1. The prompts run once, with gradients; the on-policy rollout continues a copy of their
    //    cache without gradients, the teacher-forced pass below continues the cache itself.
    PromptPass prompt = runPrompt(model, batch.promptIds, batch.promptMask);
    at::Tensor lastLogits;
    {
        torch::NoGradGuard noGrad;
        lastLogits = model.logitsFrom(prompt.lastHidden);  // [B, V]
    }
    const bool offline = offlineProbability_ > 0.0 &&
                         at::rand({1}, generator, torch::kDouble).item<double>() < offlineProbability_;
    const SampledTitles sampled =
        offline ? bufferTitles(trie, B, generator)
                : sampleTitlesFrom(model, trie, prompt.cache, lastLogits,
                                   options_.samplingTemperature, generator, options_.maxTokens, 1,
                                   options_.rollout);
    // An incomplete row (stopped off the tree or by maxTokens) also needs log P_F(⊤) after its
    // last token, the termination term of its final state: teacher-force one ⊤ more.
    at::Tensor forced = sampled.lengths.clone();  // [B] positions teacher-forced per row
    {
        const auto len = sampled.lengths.accessor<std::int64_t, 1>();
        const auto tok = sampled.tokens.accessor<std::int64_t, 2>();
        auto f = forced.accessor<std::int64_t, 1>();
        for (std::int64_t b = 0; b < B; ++b) {
            if (len[b] == 0 || tok[b][len[b] - 1] != term) f[b] += 1;
        }
    }
    const std::int64_t Ls = std::max<std::int64_t>({2, sampled.tokens.size(1), forced.max().item<std::int64_t>()});
    const at::Tensor sampledIds = padColumns(sampled.tokens, Ls, term).to(device);  // [B, Ls]
    const at::Tensor cols = torch::arange(Ls, torch::kLong).unsqueeze(0);            // [1, Ls]
    const at::Tensor sampledMask = (cols < forced.unsqueeze(1)).to(torch::kLong).to(device);  // [B, Ls]

    // 2. One teacher-forced forward with gradients: [SFT targets; sampled titles] off one prompt.
    at::Tensor contIds = sampledIds, contMask = sampledMask;
    if (useSft) {
        const std::int64_t W = std::max(Ls, batch.targetIds.size(1));
        contIds = torch::cat({padColumns(batch.targetIds, W, term), padColumns(sampledIds, W, term)});    // [2B, W]
        contMask = torch::cat({padColumns(batch.targetMask, W, 0), padColumns(sampledMask, W, 0)});     // [2B, W]
    }
    at::Tensor normalisers;  // [rows, W, C] tree-normalised P_F: children + ⊤ per position
    if (options_.treeNormalised) {
        normalisers = treeNormalisers(trie, sampled, contIds.size(1), useSft ? B : 0).to(device);
    }
    const ContinuationLogProbs lp =
        continuationLogProbs(model, std::move(prompt), contIds, contMask, term, normalisers);
    out.tokens = lp.tokens;
    const std::int64_t first = useSft ? B : 0;
    const at::Tensor tokenLp = lp.token.narrow(0, first, B).narrow(1, 0, Ls);        // [B, Ls]
    const at::Tensor termLp = lp.termination.narrow(0, first, B).narrow(1, 0, Ls);   // [B, Ls]

    // 3. Log rewards on the host (a handful of tokens per title), P_F masks as tensors.
    std::vector<std::int64_t> titleLen(B);
    std::vector<double> logR(static_cast<std::size_t>(B * Ls), 0.0);
    const auto tok = sampled.tokens.accessor<std::int64_t, 2>();
    const auto len = sampled.lengths.accessor<std::int64_t, 1>();
    double valid = 0.0, titleTokens = 0.0, endReward = 0.0;
    for (std::int64_t b = 0; b < B; ++b) {
        const bool complete = sampled.titles[b] >= 0;
        titleLen[b] = complete ? len[b] - 1 : len[b];
        const std::span<const std::int64_t> title(&tok[b][0], static_cast<std::size_t>(titleLen[b]));
        const std::int64_t row = b < static_cast<std::int64_t>(batch.rows.size()) ? batch.rows[b] : b;
        const std::vector<double> r = logRewards(title, row);
        for (std::int64_t t = 0; t < std::min<std::int64_t>(Ls, static_cast<std::int64_t>(r.size())); ++t) {
            logR[static_cast<std::size_t>(b * Ls + t)] = r[t];
        }
        valid += complete ? 1.0 : 0.0;
        titleTokens += static_cast<double>(titleLen[b]);
        if (complete) endReward += r.back();
    }
    const at::Tensor c = torch::tensor(titleLen, torch::kLong).unsqueeze(1).to(device);  // [B, 1]
    const at::Tensor pos = cols.to(device);                                             // [1, Ls]
    const at::Tensor zero = torch::zeros({}, tokenLp.options());
    const at::Tensor logPF = torch::where(pos < c, tokenLp, zero);       // [B, Ls], 0 at ⊤ and after
    const at::Tensor logPterm = torch::where(pos <= c, termLp, zero);    // [B, Ls], 0 after ⊤
    const at::Tensor logRT = torch::tensor(logR, torch::kDouble).view({B, Ls}).to(device, tokenLp.scalar_type());
    at::Tensor subtb;
    if (options_.granularity == 1) {
        subtb = modifiedSubTbLoss(logPF, logRT, logPterm, sampledIds, term, options_.subtbLambda);
    } else {
        // States every n tokens (coarse_trajectory.h): the same arrays, balanced between chunks.
        // A trajectory ends where its first ⊤ is (as modifiedSubTbLoss reads `generated`): the
        // title's end, the teacher-forced ⊤ of a row that left the tree, or an early ⊤.
        const at::Tensor stop = (sampledIds == term).to(torch::kLong).argmax(1);  // [B]
        const CoarseTrajectories coarse =
            coarsenTrajectories(logPF, logRT, logPterm, stop, options_.granularity);
        subtb = modifiedSubTbLossMasked(coarse.logPF, coarse.logR, coarse.logPterm, coarse.terminated,
                                        options_.subtbLambda);
    }

    // 4. L = L_SFT + λ·L_SubTB.
    std::vector<std::pair<std::string, double>> terms;
    if (useSft) {
        const at::Tensor sftMask = batch.targetMask.to(lp.token.scalar_type());
        const at::Tensor sft = -lp.token.narrow(0, 0, B).sum() / sftMask.sum();
        out.loss = sft + options_.lambda * subtb;
        terms.emplace_back("loss/sft", sft.item<double>());
    } else {
        out.loss = subtb;
    }
    terms.emplace_back("loss/subtb", subtb.item<double>());
    out.scalars = {{"loss/total", out.loss.item<double>()}};
    out.scalars.insert(out.scalars.end(), terms.begin(), terms.end());
    out.scalars.emplace_back("flower/valid_fraction", valid / static_cast<double>(B));
    out.scalars.emplace_back("flower/offline", offline ? 1.0 : 0.0);
    out.scalars.emplace_back("flower/offline_subtb", offline ? subtb.item<double>() : 0.0);
    out.scalars.emplace_back("flower/offline_probability", offlineProbability_);
    out.scalars.emplace_back("flower/mean_title_tokens", titleTokens / static_cast<double>(B));
    out.scalars.emplace_back("flower/mean_log_reward", valid > 0 ? endReward / valid : 0.0);
    return out;
}

void FlowerObjective::endEpoch(std::int64_t epoch, const std::map<std::string, double>& epochMeans) {
    // The reference skips its first epoch (its loss starts from the untrained policy) and
    // averages the loss of buffer steps only: Σ offline_subtb / Σ offline.
    if (options_.decayStep <= 0.0 || epoch < 1) return;
    const auto share = epochMeans.find("flower/offline");
    const auto loss = epochMeans.find("flower/offline_subtb");
    if (share == epochMeans.end() || loss == epochMeans.end() || !(share->second > 0.0)) return;
    if (loss->second / share->second < options_.decayThreshold && offlineProbability_ > options_.decayFloor) {
        offlineProbability_ = std::max(0.0, offlineProbability_ - options_.decayStep);
    }
}

std::map<std::string, double> FlowerObjective::state() const {
    return {{"offline_probability", offlineProbability_}};
}

void FlowerObjective::restoreState(const std::map<std::string, double>& state) {
    if (const auto it = state.find("offline_probability"); it != state.end()) offlineProbability_ = it->second;
}

}  // namespace flower::train
