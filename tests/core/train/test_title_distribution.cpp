// titleDistribution: hand values under a zero-logit policy; equality with an independent plain
// computation (one full forward per title, no cache, restricted softmax by hand) on a random fp64
// policy; the constrained distribution sums to 1 and agrees with trie-constrained sampling
// frequencies (the exact value and the sampler check each other); bad input.
#include "core/train/title_distribution.h"
#include "core/train/trie_sampler.h"
#include "core/util/error.h"
#include "tests/core/train/train_fixtures.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>
#include <string>

using namespace flower;

namespace {

const std::vector<text::TokenId> kPrompt = {9, 10, 11, 8};

}  // namespace

class TestTitleDistribution : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void zeroPolicyHandValues();
    void matchesPlainForwardsPerTitle();
    void matchesSamplingFrequencies();
    void rejectsBadInput();
};

void TestTitleDistribution::zeroPolicyHandValues() {
    // Logits 0: every node's constrained softmax is uniform over its children, every
    // unconstrained probability is 1/12.
    const auto trie = test::fiveTitleTrie();
    auto policy = test::zeroPolicy();
    const auto d = train::titleDistribution(*policy, trie, kPrompt, 0.7);
    const std::vector<double> constrained = {1.0 / 6, 1.0 / 12, 1.0 / 12, 1.0 / 3, 1.0 / 3};
    const std::vector<int> steps = {3, 3, 4, 2, 3};  // title tokens + ⊤
    // Children per node along each title: root {1,5,6}; [1] {2,3}; [1,2] {⊤}; [1,3] {⊤,4};
    // [1,3,4] {⊤}; [5] {⊤}; [6] {7}; [6,7] {⊤}.
    const std::vector<std::vector<int>> children = {{3, 2, 1}, {3, 2, 2}, {3, 2, 2, 1}, {3, 1}, {3, 1, 1}};
    for (std::size_t t = 0; t < 5; ++t) {
        QVERIFY(std::abs(std::exp(d.constrained[t]) - constrained[t]) < 1e-12);
        QVERIFY(std::abs(d.free[t] - steps[t] * std::log(1.0 / 12)) < 1e-9);
        double outside = 0.0;
        for (int c : children[t]) outside += 1.0 - c / 12.0;
        QVERIFY2(std::abs(d.outside[t] - outside / steps[t]) < 1e-9, std::to_string(d.outside[t]).c_str());
    }
}

void TestTitleDistribution::matchesPlainForwardsPerTitle() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(5, torch::kDouble);
    const double T = 1.3;
    const auto d = train::titleDistribution(*policy, trie, kPrompt, T);
    torch::NoGradGuard noGrad;
    double total = 0.0;
    for (std::size_t t = 0; t < trie.titleCount(); ++t) {
        const auto title = trie.titleTokens(static_cast<flow::TitleIndex>(t));
        std::vector<std::int64_t> ids(kPrompt.begin(), kPrompt.end());
        ids.insert(ids.end(), title.begin(), title.end());
        const auto n = static_cast<std::int64_t>(ids.size());
        const at::Tensor logits = policy->forward(torch::tensor(ids, torch::kLong).view({1, n}))[0];  // [n, V]
        double constrained = 0.0, free = 0.0;
        flow::NodeId node = flow::TitleTrie::kRoot;
        for (std::size_t i = 0; i <= title.size(); ++i) {
            const at::Tensor row = logits[static_cast<std::int64_t>(kPrompt.size() + i) - 1];  // predicts step i
            const auto token = i < title.size() ? title[i] : test::kTerm;
            double denominator = 0.0;
            for (const auto c : trie.childTokens(node)) denominator += std::exp(row[c].item<double>() / T);
            constrained += row[token].item<double>() / T - std::log(denominator);
            free += torch::log_softmax(row, 0)[token].item<double>();
            node = trie.child(node, token);
        }
        QVERIFY2(std::abs(constrained - d.constrained[t]) < 1e-10, std::to_string(t).c_str());
        QVERIFY2(std::abs(free - d.free[t]) < 1e-10, std::to_string(t).c_str());
        total += std::exp(d.constrained[t]);
    }
    QVERIFY2(std::abs(total - 1.0) < 1e-12, std::to_string(total).c_str());
}

void TestTitleDistribution::matchesSamplingFrequencies() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(8);
    const double T = 1.5;
    const auto d = train::titleDistribution(*policy, trie, kPrompt, T);
    auto gen = test::cpuGenerator(11);
    const int n = 20000;
    const at::Tensor prompt = torch::tensor(std::vector<std::int64_t>(kPrompt.begin(), kPrompt.end())).view({1, 4});
    const auto s = train::sampleTitles(*policy, trie, prompt, torch::ones({1, 4}, torch::kLong), T, gen, 0, n);
    std::vector<double> counts(trie.titleCount(), 0.0);
    for (auto title : s.titles) counts[static_cast<std::size_t>(title)] += 1.0;
    for (std::size_t t = 0; t < counts.size(); ++t) {
        const double p = std::exp(d.constrained[t]);
        const double sigma = std::sqrt(n * p * (1 - p));
        char msg[128];
        std::snprintf(msg, sizeof msg, "title %zu: %g sampled, %g expected (σ %g)", t, counts[t], n * p, sigma);
        QVERIFY2(std::abs(counts[t] - n * p) < 4.5 * sigma, msg);
    }
}

void TestTitleDistribution::rejectsBadInput() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(1);
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::titleDistribution(*policy, trie, {}, 1.0));
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::titleDistribution(*policy, trie, kPrompt, 0.0));
    const std::vector<flow::TitleItem> items = {{0, "x"}};
    const std::vector<std::vector<flow::TokenId>> tokens = {{40}};  // outside the 12-token vocabulary
    const auto big = flow::TitleTrie::fromTokens(items, tokens, test::kTerm);
    QVERIFY_THROWS_EXCEPTION(flower::Error, train::titleDistribution(*policy, big, kPrompt, 1.0));
}

FLOWER_TEST_MAIN(TestTitleDistribution, zeroPolicyHandValues, matchesPlainForwardsPerTitle,
                 matchesSamplingFrequencies, rejectsBadInput)

#ifdef FLOWER_TEST_QT
#include "test_title_distribution.moc"
#endif
