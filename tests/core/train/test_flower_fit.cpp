// Brute force of what Flower's objective learns (STYLE.md §11): on the 5-title tree with one
// fixed prompt and λ = ∞ (SubTB alone), a nano policy trained with AdamW inside the test reaches
// a title distribution equal to the flow distribution R / ΣR (JS < 0.01). The policy's title
// probabilities are exact (titleDistribution: every title teacher-forced). With the
// vocabulary-normalised P_F the fitted one is the unconstrained Π P_F · P_F(⊤) renormalised over
// the titles; with the tree-normalised P_F it is what trie-constrained sampling draws.
#include "core/flow/flow_table.h"
#include "core/train/title_distribution.h"
#include "core/train/flower_objective.h"
#include "tests/core/train/train_fixtures.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <limits>

using namespace flower;

namespace {

const std::vector<double> kRewards = {5, 1, 2, 8, 4};  // [1,2] [1,3] [1,3,4] [5] [6,7]

// The policy's title distribution, exact (title_distribution.h): what trie-constrained sampling
// draws, or the unconstrained Π P_F · P_F(⊤) renormalised over the 5 titles.
std::vector<double> titleProbabilities(model::Qwen2ForCausalLMImpl& policy, const flow::TitleTrie& trie,
                                       bool constrained) {
    const auto d = train::titleDistribution(policy, trie, std::vector<text::TokenId>{9, 10, 11, 8, 10});
    std::vector<double> p(trie.titleCount());
    double total = 0.0;
    for (std::size_t t = 0; t < p.size(); ++t) total += p[t] = std::exp(constrained ? d.constrained[t] : d.free[t]);
    for (double& x : p) x /= total;
    return p;
}

double jensenShannon(const std::vector<double>& p, const std::vector<double>& q) {
    double js = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double m = 0.5 * (p[i] + q[i]);
        if (p[i] > 0) js += 0.5 * p[i] * std::log(p[i] / m);
        if (q[i] > 0) js += 0.5 * q[i] * std::log(q[i] / m);
    }
    return js;
}

}  // namespace

class TestFlowerFit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void subtbAloneFitsTheFlowDistribution();
    void bufferTrajectoriesFitTheFlowDistribution();
    void treeNormalisedFitsWhatSamplingDraws();
};

namespace {

// Trains the nano policy 150 AdamW steps with `options` (λ = ∞ forced) and checks the fit of
// the constrained (what sampling draws) or the unconstrained, renormalised distribution.
void checkFit(train::FlowerOptions options, bool constrained) {
    torch::manual_seed(0);
    const auto trie = test::fiveTitleTrie();
    const flow::FlowTable flows(trie, kRewards);
    std::vector<double> target(trie.titleCount());
    for (std::size_t t = 0; t < target.size(); ++t) {
        target[t] = std::exp(flows.titleLogProbability(static_cast<flow::TitleIndex>(t)));
    }
    auto policy = test::nanoPolicy(17);
    options.lambda = std::numeric_limits<double>::infinity();
    train::FlowerObjective flower(flows, flow::RewardVariant::fromName("flow"), options);

    const std::int64_t B = 16;
    const at::Tensor prompt = torch::tensor({{9, 10, 11, 8, 10}}, torch::kLong);  // [1, P]
    train::TrainBatch batch;
    batch.promptIds = prompt.expand({B, 5}).contiguous();
    batch.promptMask = torch::ones({B, 5}, torch::kLong);
    batch.targetIds = torch::zeros({B, 1}, torch::kLong);  // unused at λ = ∞
    batch.targetMask = torch::ones({B, 1}, torch::kLong);
    batch.targetGroup = torch::full({B}, -1, torch::kLong);
    batch.rows.assign(B, 0);

    const double before = jensenShannon(titleProbabilities(*policy, trie, constrained), target);
    torch::optim::AdamW optimiser(policy->parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.0));
    auto gen = test::cpuGenerator(3);
    double lastLoss = 0.0;
    for (int step = 0; step < 150; ++step) {
        optimiser.zero_grad();
        const auto terms = flower.compute(*policy, batch, gen);
        terms.loss.backward();
        optimiser.step();
        lastLoss = terms.loss.item<double>();
    }
    const auto learned = titleProbabilities(*policy, trie, constrained);
    const double after = jensenShannon(learned, target);
    const double other = jensenShannon(titleProbabilities(*policy, trie, !constrained), target);
    char buffer[320];
    std::snprintf(buffer, sizeof buffer,
                  "%s JS before %.6f after %.6f (%s: %.6f), last loss %.6f; learned %.4f %.4f %.4f %.4f %.4f",
                  constrained ? "constrained" : "unconstrained", before, after,
                  constrained ? "unconstrained" : "constrained", other, lastLoss, learned[0], learned[1],
                  learned[2], learned[3], learned[4]);
    const std::string msg = buffer;
    std::printf("%s\n", buffer);
    // A random policy's constrained distribution is near uniform over children, already close
    // to this target (JS 0.004): ask for a 50-fold improvement as well as the absolute bound.
    QVERIFY2(after < 0.01 && after < before / 50, msg.c_str());
}

}  // namespace

void TestFlowerFit::subtbAloneFitsTheFlowDistribution() {
    // Vocabulary-normalised P_F (the reference's): SubTB fits the RATIOS of the unconstrained
    // softmax, so the check is on Π P_F · P_F(⊤) renormalised over the titles. Rollouts at
    // temperature 2: SubTB only constrains the branches it samples, and strictly on-policy
    // sampling (T = 1) lets a branch whose probability collapses early stay unvisited and
    // unfitted (measured: JS 0.036 at lr 3e-3 and 0.08 at lr 1e-2 after 300 steps, each with
    // zero loss on what it samples). Any full-support rollout policy has the same optimum.
    train::FlowerOptions options;
    options.samplingTemperature = 2.0;
    checkFit(options, /*constrained=*/false);
}

void TestFlowerFit::bufferTrajectoriesFitTheFlowDistribution() {
    // The reference's RQ1 replay buffer: trie titles drawn ∝ token length, teacher-forced.
    train::FlowerOptions options;
    options.offlineProbability = 1.0;
    checkFit(options, /*constrained=*/false);
}

void TestFlowerFit::treeNormalisedFitsWhatSamplingDraws() {
    // P_F over the node's children + ⊤: SubTB fits the trie-constrained policy itself — what
    // the RQ1 evaluation samples — strictly on-policy at temperature 1.
    train::FlowerOptions options;
    options.treeNormalised = true;
    checkFit(options, /*constrained=*/true);
}

FLOWER_TEST_MAIN(TestFlowerFit, subtbAloneFitsTheFlowDistribution,
                 bufferTrajectoriesFitTheFlowDistribution, treeNormalisedFitsWhatSamplingDraws)

#ifdef FLOWER_TEST_QT
#include "test_flower_fit.moc"
#endif
