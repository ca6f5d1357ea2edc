// FlowerObjective and the branched teacher forcing it stands on:
//   - continuationLogProbs with the prompt cache duplicated for two continuations equals separate
//     full forwards over [prompt + continuation], values and gradients;
//   - log R_t hand-computed on the 5-title tree (complete-title prefixes, −15, zero flow);
//   - loss/subtb equals the SubTB of the same samples rebuilt from full forwards, for trie and
//     free rollouts and for the tree-normalised P_F;
//   - the buffer chance decays as the reference's and survives state()/restoreState();
//   - λ = 0, finite, ∞ combine the terms as eq. 12 says;
//   - the loss's gradient matches central finite differences in float64;
//   - refused configurations.
#include "core/flow/flow_table.h"
#include "core/train/continuation_log_probs.h"
#include "core/train/coarse_trajectory.h"
#include "core/train/flower_objective.h"
#include "core/train/sft_objective.h"
#include "core/train/subtb_loss.h"
#include "core/train/trie_sampler.h"
#include "core/util/error.h"
#include "tests/core/train/batch_fixtures.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

using namespace flower;

namespace {

const std::vector<double> kRewards = {1, 2, 3, 4, 5};  // [1,2] [1,3] [1,3,4] [5] [6,7]

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

train::FlowerOptions options(double lambda) {
    train::FlowerOptions o;
    o.lambda = lambda;
    return o;
}

}  // namespace

class TestFlowerObjective : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void branchedLogProbsEqualFullForwards();
    void branchedGradientsEqualFullForwards();
    void identicalPromptsRunOnceWithSameGradients();
    void oneContinuationPerPromptRunsAsOneSequence();
    void logRewardsByHand();
    void zeroFlowCountsAsPenalty();
    void subtbEqualsRebuiltFromFullForwards();
    void freeRolloutsEqualRebuiltFromFullForwards();
    void treeNormalisedEqualsRebuiltFromFullForwards();
    void coarseGranularityEqualsRebuiltFromFullForwards();
    void coarseTrajectoryByHand();
    void offlineChanceDecaysAsTheReference();
    void lambdaCombinesTerms();
    void gradientMatchesFiniteDifferences();
    void rejectsBadConfiguration();
};

void TestFlowerObjective::branchedLogProbsEqualFullForwards() {
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(7);
    // Two continuations per prompt: the targets, then other titles of other lengths.
    const auto other = torch::tensor({{5, 0, 0, 0, 0}, {1, 3, 4, 0, 0}, {1, 2, 0, 0, 0}}, torch::kLong);
    const auto otherMask = torch::tensor({{1, 1, 0, 0, 0}, {1, 1, 1, 1, 0}, {1, 1, 1, 0, 0}}, torch::kLong);
    const auto cont = torch::cat({torch::cat({batch.targetIds, torch::zeros({3, 1}, torch::kLong)}, 1), other});
    const auto mask = torch::cat({torch::cat({batch.targetMask, torch::zeros({3, 1}, torch::kLong)}, 1), otherMask});
    const auto lp = train::continuationLogProbs(*policy, batch.promptIds, batch.promptMask, cont, mask, test::kTerm);
    QCOMPARE(lp.token.size(0), std::int64_t{6});
    for (std::int64_t r = 0; r < 6; ++r) {
        const std::int64_t b = r % 3;
        const at::Tensor prompt = batch.promptIds[b].index({batch.promptMask[b].to(torch::kBool)});
        const at::Tensor c = cont[r].index({mask[r].to(torch::kBool)});
        const at::Tensor seq = torch::cat({prompt, c}).unsqueeze(0);
        const at::Tensor logp = torch::log_softmax(policy->forward(seq), -1).squeeze(0);  // [S, V]
        const std::int64_t P = prompt.size(0);
        for (std::int64_t t = 0; t < cont.size(1); ++t) {
            if (mask[r][t].item<std::int64_t>() == 0) {
                QCOMPARE(lp.token[r][t].item<double>(), 0.0);
                QCOMPARE(lp.termination[r][t].item<double>(), 0.0);
                continue;
            }
            const double tok = logp[P - 1 + t][c[t]].item<double>();
            const double term = logp[P - 1 + t][test::kTerm].item<double>();
            QVERIFY2(std::abs(lp.token[r][t].item<double>() - tok) <= 1e-5,
                     ("row " + std::to_string(r) + " t " + std::to_string(t)).c_str());
            QVERIFY(std::abs(lp.termination[r][t].item<double>() - term) <= 1e-5);
        }
    }
}

void TestFlowerObjective::branchedGradientsEqualFullForwards() {
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(7, torch::kDouble);
    const auto cont = torch::cat({batch.targetIds, batch.targetIds.flip(0)});
    const auto mask = torch::cat({batch.targetMask, batch.targetMask.flip(0)});
    const auto lp = train::continuationLogProbs(*policy, batch.promptIds, batch.promptMask, cont, mask);
    (lp.token * torch::arange(1, 7, torch::kDouble).unsqueeze(1)).sum().backward();  // rows weighted 1..6
    std::vector<at::Tensor> ours;
    for (const auto& p : policy->parameters()) ours.push_back(p.grad().clone());
    policy->zero_grad();
    at::Tensor brute = torch::zeros({}, torch::kDouble);
    for (std::int64_t r = 0; r < 6; ++r) {
        brute = brute + static_cast<double>(r + 1) *
                            test::bruteForceLogLik(*policy, batch.promptIds.repeat({2, 1}),
                                                   batch.promptMask.repeat({2, 1}), cont, mask, r);
    }
    brute.backward();
    const auto params = policy->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY2(torch::allclose(ours[i], params[i].grad(), 1e-9, 1e-11), std::to_string(i).c_str());
    }
}

// runPrompt runs identical prompts once and repeats their cache rows (RQ1: one prompt for the
// whole batch); log-probs and gradients must equal those of every row run alone.
void TestFlowerObjective::identicalPromptsRunOnceWithSameGradients() {
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(7, torch::kDouble);
    const auto rows = torch::tensor({0, 1, 0, 0}, torch::kLong);  // prompt 0 three times
    const auto promptIds = batch.promptIds.index_select(0, rows);
    const auto promptMask = batch.promptMask.index_select(0, rows);
    const auto targets = torch::tensor({0, 1, 2, 1}, torch::kLong);  // different continuations
    const auto cont = batch.targetIds.index_select(0, targets);
    const auto mask = batch.targetMask.index_select(0, targets);
    const auto pass = train::runPrompt(*policy, promptIds, promptMask);
    QCOMPARE(pass.cache.batchSize(), std::int64_t{4});
    QCOMPARE(pass.tokens, promptIds.numel());
    const auto lp = train::continuationLogProbs(*policy, train::runPrompt(*policy, promptIds, promptMask),
                                                cont, mask);
    (lp.token * torch::arange(1, 5, torch::kDouble).unsqueeze(1)).sum().backward();
    std::vector<at::Tensor> ours;
    for (const auto& p : policy->parameters()) ours.push_back(p.grad().clone());
    policy->zero_grad();
    at::Tensor brute = torch::zeros({}, torch::kDouble);
    for (std::int64_t r = 0; r < 4; ++r) {
        const at::Tensor one = test::bruteForceLogLik(*policy, promptIds, promptMask, cont, mask, r);
        QVERIFY2(std::abs(lp.token[r].sum().item<double>() - one.item<double>()) <= 1e-10,
                 std::to_string(r).c_str());
        brute = brute + static_cast<double>(r + 1) * one;
    }
    brute.backward();
    const auto params = policy->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY2(torch::allclose(ours[i], params[i].grad(), 1e-9, 1e-11), std::to_string(i).c_str());
    }
}

// With one continuation per distinct prompt, the ids overload runs [prompt; continuation] as
// one sequence instead of branching off a prompt pass: log-probs (token and ⊤), token count and
// gradients must equal the branched form's.
void TestFlowerObjective::oneContinuationPerPromptRunsAsOneSequence() {
    const auto batch = test::smallBatch();  // distinct, left-padded prompts; right-padded targets
    auto policy = test::nanoPolicy(7, torch::kDouble);
    auto run = [&](bool oneSequence) {
        policy->zero_grad();
        const auto lp = oneSequence
                            ? train::continuationLogProbs(*policy, batch.promptIds, batch.promptMask, batch.targetIds,
                                                          batch.targetMask, test::kTerm)
                            : train::continuationLogProbs(*policy, train::runPrompt(*policy, batch.promptIds, batch.promptMask),
                                                          batch.targetIds, batch.targetMask, test::kTerm);
        (lp.token * torch::arange(1, 4, torch::kDouble).unsqueeze(1) + 0.5 * lp.termination).sum().backward();
        std::vector<at::Tensor> grads;
        for (const auto& p : policy->parameters()) grads.push_back(p.grad().clone());
        return std::make_tuple(lp, grads);
    };
    const auto [one, oneGrads] = run(true);
    const auto [branched, branchedGrads] = run(false);
    QCOMPARE(one.tokens, branched.tokens);
    QVERIFY((one.token - branched.token).abs().max().item<double>() < 1e-12);
    QVERIFY((one.termination - branched.termination).abs().max().item<double>() < 1e-12);
    for (std::size_t i = 0; i < oneGrads.size(); ++i) {
        QVERIFY2(torch::allclose(oneGrads[i], branchedGrads[i], 1e-10, 1e-12), std::to_string(i).c_str());
    }
}

void TestFlowerObjective::logRewardsByHand() {
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    const train::FlowerObjective flower(flows, flow::RewardVariant::fromName("flow"), options(1.0));
    // F: root 15, [1] 6, [1,2] 1, [1,3] 5, [1,3,⊤] 2, [1,3,4] 3, [5] 4, [6] 5, [6,7] 5.
    const std::vector<std::int64_t> t13 = {1, 3}, t134 = {1, 3, 4}, t5 = {5};
    auto r = flower.logRewards(t13, 0);
    QCOMPARE(r.size(), std::size_t{3});
    QVERIFY(near(r[0], -15.0, 1e-12));                        // the root is no title
    QVERIFY(near(r[1], std::log(6.0 / 15) - 15.0, 1e-12));   // [1] is no title
    QVERIFY(near(r[2], std::log(2.0 / 15), 1e-12));          // [1,3] ends: R / F(root)
    r = flower.logRewards(t134, 0);
    QCOMPARE(r.size(), std::size_t{4});
    QVERIFY(near(r[2], std::log(2.0 / 15), 1e-12));          // [1,3] is a title on the way
    QVERIFY(near(r[3], std::log(3.0 / 15), 1e-12));
    r = flower.logRewards(t5, 0);
    QVERIFY(near(r[0], -15.0, 1e-12));
    QVERIFY(near(r[1], std::log(4.0 / 15), 1e-12));
}

void TestFlowerObjective::zeroFlowCountsAsPenalty() {
    const auto trie = test::fiveTitleTrie();
    const std::vector<double> rewards = {0, 2, 3, 4, 5};  // [1,2] has no flow
    const flow::FlowTable flows(trie, rewards);
    const train::FlowerObjective flower(flows, flow::RewardVariant::fromName("flow"), options(1.0));
    const std::vector<std::int64_t> t12 = {1, 2};
    const auto r = flower.logRewards(t12, 0);
    // logr([1]) = log 5/14; logr([1,2]) = −∞ → −15; the title's ⊤ edge (0/0 flow) → −15.
    QVERIFY(near(r[2], std::log(5.0 / 14) - 15.0 - 15.0, 1e-12));
    QVERIFY(std::isfinite(r[1]));
}

namespace {

// Kinds of rows a check saw: complete titles, rows that left the tree, early ⊤ off the tree.
struct RowKinds {
    int complete = 0, offTree = 0, earlyStop = 0;
};

// loss/subtb of one compute() equals the SubTB rebuilt from full forwards over [prompt + sampled
// tokens] of the same rollout (same seed; the objective samples first): log P_F normalised over
// the vocabulary, or over the node's children + ⊤ (treeNormalised); an incomplete row also gets
// log P_F(⊤) after its last token.
// SubTB between states every n tokens, by loops over the token arrays (coarse_trajectory.h):
// row b visits p_k = min(k·n, c_b), k = 0..⌈c_b/n⌉; δ_k sums the chunk's log P_F.
double bruteCoarseSubtb(const at::Tensor& pf, const at::Tensor& lr, const at::Tensor& pt,
                        const std::vector<std::int64_t>& cs, int n, double lambda) {
    double num = 0.0, den = 0.0;
    for (std::size_t b = 0; b < cs.size(); ++b) {
        const std::int64_t c = cs[b], K = (c + n - 1) / n;
        std::vector<std::int64_t> p;
        for (std::int64_t k = 0; k <= K; ++k) p.push_back(std::min<std::int64_t>(k * n, c));
        std::vector<double> delta;
        for (std::int64_t k = 0; k < K; ++k) {
            double chunk = 0.0;
            for (std::int64_t t = p[k]; t < p[k + 1]; ++t) chunk += pf[b][t].item<double>();
            delta.push_back(lr[b][p[k]].item<double>() + chunk + pt[b][p[k + 1]].item<double>() -
                            lr[b][p[k + 1]].item<double>() - pt[b][p[k]].item<double>());
        }
        for (std::int64_t i = 0; i < K; ++i) {
            double sum = 0.0;
            for (std::int64_t j = i + 1; j <= K; ++j) {
                sum += delta[j - 1];
                const double w = std::pow(lambda, static_cast<double>(j - i - 1));
                num += w * sum * sum;
                den += w;
            }
        }
    }
    return den > 0 ? num / den : 0.0;
}

void checkSubtbAgainstFullForwards(train::FlowerOptions o, std::uint64_t seed, RowKinds& kinds) {
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(9, torch::kDouble);
    train::FlowerObjective flower(flows, flow::RewardVariant::fromName("flow"), o);
    auto gen = test::cpuGenerator(seed);
    const auto terms = flower.compute(*policy, batch, gen);

    auto gen2 = test::cpuGenerator(seed);
    const auto s = train::sampleTitles(*policy, trie, batch.promptIds, batch.promptMask,
                                       o.samplingTemperature, gen2, 0, 1, o.rollout);
    const std::int64_t L = s.tokens.size(1) + 1;
    auto pf = torch::zeros({3, L}, torch::kDouble), pt = torch::zeros({3, L}, torch::kDouble),
         lr = torch::zeros({3, L}, torch::kDouble);
    const at::Tensor generated = torch::cat({s.tokens, torch::full({3, 1}, test::kTerm, torch::kLong)}, 1);
    std::vector<std::int64_t> cs;
    for (std::int64_t b = 0; b < 3; ++b) {
        const at::Tensor prompt = batch.promptIds[b].index({batch.promptMask[b].to(torch::kBool)});
        const std::int64_t len = s.lengths[b].item<std::int64_t>();
        const bool complete = s.titles[b] >= 0;
        const std::int64_t c = complete ? len - 1 : len;
        // The trajectory ends at the first ⊤: an early ⊤ (counted in c as a token) ends it at c − 1.
        cs.push_back(s.tokens[b][len - 1].item<std::int64_t>() == test::kTerm ? len - 1 : len);
        if (complete) ++kinds.complete;
        else if (s.tokens[b][len - 1].item<std::int64_t>() == test::kTerm) ++kinds.earlyStop;
        else ++kinds.offTree;
        const at::Tensor seq = torch::cat({prompt, s.tokens[b].narrow(0, 0, len)}).unsqueeze(0);
        const at::Tensor logits = policy->forward(seq).squeeze(0);  // [S, V]
        const std::int64_t P = prompt.size(0), S = seq.size(1);
        std::vector<std::int64_t> title;
        for (std::int64_t t = 0; t < c; ++t) title.push_back(s.tokens[b][t].item<std::int64_t>());
        const auto r = flower.logRewards(title, b);
        flow::NodeId node = flow::TitleTrie::kRoot;
        for (std::int64_t t = 0; t <= c; ++t) {
            lr[b][t] = r[t];
            if (P - 1 + t >= S) break;  // after an early ⊤: never counted
            const at::Tensor row = logits[P - 1 + t];
            double logZ = torch::logsumexp(row, 0).item<double>();
            if (o.treeNormalised) {
                double z = 0.0;
                for (const auto child : trie.childTokens(node)) z += std::exp(row[child].item<double>());
                if (trie.child(node, test::kTerm) == flow::TitleTrie::kNoNode) z += std::exp(row[test::kTerm].item<double>());
                logZ = std::log(z);
            }
            if (t < c) pf[b][t] = row[title[t]].item<double>() - logZ;
            pt[b][t] = row[test::kTerm].item<double>() - logZ;
            if (t < c && node != flow::TitleTrie::kNoNode) node = trie.child(node, static_cast<flow::TokenId>(title[t]));
        }
    }
    const double subtb = o.granularity == 1
                             ? train::modifiedSubTbLoss(pf, lr, pt, generated, test::kTerm).item<double>()
                             : bruteCoarseSubtb(pf, lr, pt, cs, o.granularity, o.subtbLambda);
    QVERIFY2(near(terms.scalar("loss/subtb"), subtb, 1e-10),
             (std::to_string(terms.scalar("loss/subtb")) + " vs " + std::to_string(subtb)).c_str());
    train::SftObjective sft;
    QVERIFY(near(terms.scalar("loss/sft"), sft.compute(*policy, batch, gen).loss.item<double>(), 1e-10));
    double valid = 0.0, meanTokens = 0.0;
    for (std::int64_t b = 0; b < 3; ++b) {
        valid += s.titles[b] >= 0 ? 1.0 / 3.0 : 0.0;
        meanTokens += (s.lengths[b].item<double>() - (s.titles[b] >= 0 ? 1.0 : 0.0)) / 3.0;
    }
    QVERIFY(near(terms.scalar("flower/valid_fraction"), valid, 1e-12));
    QVERIFY(near(terms.scalar("flower/mean_title_tokens"), meanTokens, 1e-12));
}

}  // namespace

void TestFlowerObjective::subtbEqualsRebuiltFromFullForwards() {
    RowKinds kinds;
    checkSubtbAgainstFullForwards(options(0.25), 5, kinds);
    QCOMPARE(kinds.complete, 3);  // trie rollouts always end in a title
}

void TestFlowerObjective::freeRolloutsEqualRebuiltFromFullForwards() {
    auto o = options(0.25);
    o.rollout = train::SamplingConstraint::Free;
    RowKinds kinds;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) checkSubtbAgainstFullForwards(o, seed, kinds);
    QVERIFY2(kinds.offTree > 0 && kinds.earlyStop > 0,
             ("rows: " + std::to_string(kinds.complete) + " complete, " + std::to_string(kinds.offTree) +
              " off the tree, " + std::to_string(kinds.earlyStop) + " early ⊤")
                 .c_str());
}

void TestFlowerObjective::treeNormalisedEqualsRebuiltFromFullForwards() {
    auto o = options(0.25);
    o.treeNormalised = true;
    RowKinds kinds;
    for (std::uint64_t seed = 1; seed <= 3; ++seed) checkSubtbAgainstFullForwards(o, seed, kinds);
    QCOMPARE(kinds.complete, 9);
}

// Granularity n: the loss balances flows between states every n tokens, for n = 2, 3 and
// n beyond every title (one step: trajectory balance), on tree and free rollouts.
void TestFlowerObjective::coarseGranularityEqualsRebuiltFromFullForwards() {
    RowKinds kinds;
    for (const int n : {2, 3, 100}) {
        auto o = options(0.25);
        o.granularity = n;
        o.subtbLambda = 0.7;
        for (std::uint64_t seed = 1; seed <= 3; ++seed) checkSubtbAgainstFullForwards(o, seed, kinds);
        o.rollout = train::SamplingConstraint::Free;
        for (std::uint64_t seed = 1; seed <= 4; ++seed) checkSubtbAgainstFullForwards(o, seed, kinds);
    }
    QVERIFY(kinds.complete > 0 && kinds.offTree + kinds.earlyStop > 0);
}

// One row by hand: L = 4, title length c = 3, n = 2: coarse states at token positions 0, 2, 3.
void TestFlowerObjective::coarseTrajectoryByHand() {
    const auto pf = torch::tensor({{-0.5, -1.0, -0.25, 7.0}}, torch::kDouble);  // 7 after ⊤: unread
    const auto lr = torch::tensor({{-15.0, -15.0, -2.0, -1.0}}, torch::kDouble);
    const auto pt = torch::tensor({{-3.0, -2.5, -1.5, -0.75}}, torch::kDouble);
    const auto c = torch::tensor({3}, torch::kLong);
    const auto coarse = train::coarsenTrajectories(pf, lr, pt, c, 2);
    QCOMPARE(coarse.logPF.size(1), std::int64_t{3});  // ⌈3/2⌉ + 1
    QVERIFY(torch::equal(coarse.logPF, torch::tensor({{-1.5, -0.25, 0.0}}, torch::kDouble)));
    QVERIFY(torch::equal(coarse.logR, torch::tensor({{-15.0, -2.0, -1.0}}, torch::kDouble)));
    QVERIFY(torch::equal(coarse.logPterm, torch::tensor({{-3.0, -1.5, -0.75}}, torch::kDouble)));
    QVERIFY(torch::equal(coarse.terminated, torch::tensor({{false, false, true}})));
    // δ0 = −15 − 1.5 − 1.5 + 2 + 3 = −13, δ1 = −2 − 0.25 − 0.75 + 1 + 1.5 = −0.5;
    // λ = 1: (δ0² + δ1² + (δ0 + δ1)²) / 3 = (169 + 0.25 + 182.25) / 3.
    const double loss = train::modifiedSubTbLossMasked(coarse.logPF, coarse.logR, coarse.logPterm,
                                                       coarse.terminated).item<double>();
    QVERIFY2(near(loss, 351.5 / 3.0, 1e-12), std::to_string(loss).c_str());
    // n = 1 gives the token arrays back.
    const auto same = train::coarsenTrajectories(pf, lr, pt, c, 1);
    QVERIFY(torch::equal(same.logPF, torch::tensor({{-0.5, -1.0, -0.25, 0.0}}, torch::kDouble)));
    QVERIFY(torch::equal(same.logR, lr) && torch::equal(same.logPterm, pt));
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::coarsenTrajectories(pf, lr, pt, c, 0));
}

void TestFlowerObjective::offlineChanceDecaysAsTheReference() {
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    auto o = options(1.0);
    o.offlineProbability = 1.0;
    o.decayStep = 0.1;  // threshold 0.05, floor 0.15 by default
    train::FlowerObjective flower(flows, flow::RewardVariant::fromName("flow"), o);
    flower.endEpoch(0, {{"flower/offline", 1.0}, {"flower/offline_subtb", 0.01}});
    QCOMPARE(flower.offlineProbability(), 1.0);  // the first epoch never counts
    flower.endEpoch(1, {{"flower/offline", 0.5}, {"flower/offline_subtb", 0.03}});  // mean 0.06
    QCOMPARE(flower.offlineProbability(), 1.0);
    flower.endEpoch(2, {{"flower/offline", 0.5}, {"flower/offline_subtb", 0.02}});  // mean 0.04
    QVERIFY(near(flower.offlineProbability(), 0.9, 1e-12));
    for (int e = 3; e < 20; ++e) flower.endEpoch(e, {{"flower/offline", 0.1}, {"flower/offline_subtb", 0.0}});
    QVERIFY(near(flower.offlineProbability(), 0.1, 1e-9));  // 0.2 > 0.15 drops once more, 0.1 stays
    train::FlowerObjective fresh(flows, flow::RewardVariant::fromName("flow"), o);
    fresh.restoreState(flower.state());
    QCOMPARE(fresh.offlineProbability(), flower.offlineProbability());
    // No decay step: constant.
    auto still = o;
    still.decayStep = 0.0;
    train::FlowerObjective constant(flows, flow::RewardVariant::fromName("flow"), still);
    constant.endEpoch(5, {{"flower/offline", 1.0}, {"flower/offline_subtb", 0.0}});
    QCOMPARE(constant.offlineProbability(), 1.0);
}

void TestFlowerObjective::lambdaCombinesTerms() {
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(9, torch::kDouble);
    const auto variant = flow::RewardVariant::fromName("flow");
    auto gen = test::cpuGenerator(1);

    train::FlowerObjective sftOnly(flows, variant, options(0.0));
    train::SftObjective sft;
    const auto a = sftOnly.compute(*policy, batch, gen);
    QVERIFY(near(a.loss.item<double>(), sft.compute(*policy, batch, gen).loss.item<double>(), 1e-12));
    QVERIFY_THROWS_EXCEPTION(flower::Error, a.scalar("loss/subtb"));

    train::FlowerObjective both(flows, variant, options(0.3));
    const auto b = both.compute(*policy, batch, gen);
    QVERIFY(near(b.loss.item<double>(), b.scalar("loss/sft") + 0.3 * b.scalar("loss/subtb"), 1e-12));
    QCOMPARE(b.scalars.front().first, std::string("loss/total"));

    train::FlowerObjective subtbOnly(flows, variant, options(std::numeric_limits<double>::infinity()));
    const auto c = subtbOnly.compute(*policy, batch, gen);
    QVERIFY(near(c.loss.item<double>(), c.scalar("loss/subtb"), 1e-12));
    QVERIFY_THROWS_EXCEPTION(flower::Error, c.scalar("loss/sft"));
    QVERIFY(c.loss.requires_grad());
}

void TestFlowerObjective::gradientMatchesFiniteDifferences() {
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    const auto batch = test::smallBatch();
    auto policy = test::nanoPolicy(13, torch::kDouble);
    train::FlowerObjective flower(flows, flow::RewardVariant::fromName("flow"), options(0.5));
    // The same seed every time: the same rollouts (a perturbation of 1e-6 does not move a draw).
    auto lossAt = [&] {
        auto gen = test::cpuGenerator(21);
        return flower.compute(*policy, batch, gen).loss;
    };
    policy->zero_grad();
    lossAt().backward();
    auto named = policy->named_parameters();
    struct Probe {
        std::string name;
        std::vector<std::int64_t> index;
    };
    const std::vector<Probe> probes = {{"model.embed_tokens.weight", {3, 5}},
                                       {"model.embed_tokens.weight", {9, 1}},
                                       {"model.layers.0.self_attn.q_proj.weight", {2, 7}},
                                       {"model.layers.0.self_attn.k_proj.bias", {4}},
                                       {"model.layers.1.mlp.down_proj.weight", {10, 20}},
                                       {"model.norm.weight", {11}}};
    const double eps = 1e-6;
    double largest = 0.0;
    for (const auto& probe : probes) {
        at::Tensor p = named[probe.name];
        std::vector<at::indexing::TensorIndex> idx(probe.index.begin(), probe.index.end());
        const double analytic = p.grad().index(idx).item<double>();
        double up = 0.0, down = 0.0;
        {
            torch::NoGradGuard noGrad;
            const double v = p.index(idx).item<double>();
            p.index_put_(idx, v + eps);
            up = lossAt().item<double>();
            p.index_put_(idx, v - eps);
            down = lossAt().item<double>();
            p.index_put_(idx, v);
        }
        const double numeric = (up - down) / (2 * eps);
        largest = std::max(largest, std::abs(analytic));
        QVERIFY2(std::abs(numeric - analytic) <= 1e-6 + 1e-5 * std::abs(analytic),
                 (probe.name + ": " + std::to_string(numeric) + " vs " + std::to_string(analytic)).c_str());
    }
    QVERIFY2(largest > 1e-3, std::to_string(largest).c_str());  // the probes see real gradients
}

void TestFlowerObjective::rejectsBadConfiguration() {
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    const auto flowVariant = flow::RewardVariant::fromName("flow");
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::FlowerObjective(flows, flowVariant, options(-1.0)));
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::FlowerObjective(flows, flowVariant, options(std::nan(""))));
    auto noSteps = options(1.0);
    noSteps.granularity = 0;
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::FlowerObjective(flows, flowVariant, noSteps));
    auto cold = options(1.0);
    cold.samplingTemperature = 0.0;
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::FlowerObjective(flows, flowVariant, cold));
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             train::FlowerObjective(flows, flow::RewardVariant::fromName("flow_div_pref"),
                                                    options(1.0)));
    auto treeFree = options(1.0);
    treeFree.treeNormalised = true;
    treeFree.rollout = train::SamplingConstraint::Free;
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::FlowerObjective(flows, flowVariant, treeFree));
    auto overOne = options(1.0);
    overOne.offlineProbability = 1.5;
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::FlowerObjective(flows, flowVariant, overOne));
}

FLOWER_TEST_MAIN(TestFlowerObjective, branchedLogProbsEqualFullForwards,
                 branchedGradientsEqualFullForwards,
                 identicalPromptsRunOnceWithSameGradients, oneContinuationPerPromptRunsAsOneSequence, logRewardsByHand, zeroFlowCountsAsPenalty,
                 subtbEqualsRebuiltFromFullForwards, freeRolloutsEqualRebuiltFromFullForwards,
                 treeNormalisedEqualsRebuiltFromFullForwards,
                 coarseGranularityEqualsRebuiltFromFullForwards, coarseTrajectoryByHand,
                 offlineChanceDecaysAsTheReference,
                 lambdaCombinesTerms,
                 gradientMatchesFiniteDifferences, rejectsBadConfiguration)

#ifdef FLOWER_TEST_QT
#include "test_flower_objective.moc"
#endif
