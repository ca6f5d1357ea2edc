// sampleTitles: uniform children under a zero-logit policy (chi-square), every sample a trie
// title, the first step's temperature-scaled distribution against the model's own logits,
// determinism for a seed, left-padded prompts, maxTokens, bad inputs.
#include "core/train/trie_sampler.h"
#include "core/util/error.h"
#include "tests/core/train/train_fixtures.h"
#include "tests/support/flower_test.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

using namespace flower;
using flower::train::sampleTitles;
using flower::train::SampledTitles;

namespace {

at::Tensor prompts() { return torch::tensor({{9, 10, 11, 8}, {0, 0, 10, 9}, {0, 11, 11, 8}}, torch::kLong); }
at::Tensor promptMask() { return torch::tensor({{1, 1, 1, 1}, {0, 0, 1, 1}, {0, 1, 1, 1}}, torch::kLong); }

// "" when every row holds a trie title followed by ⊤ padding; otherwise what is wrong.
std::string checkTitles(const flow::TitleTrie& trie, const SampledTitles& s) {
    for (std::int64_t r = 0; r < s.size(); ++r) {
        if (s.titles[r] < 0) return "row " + std::to_string(r) + " has no title";
        const auto title = trie.titleTokens(s.titles[r]);
        const auto len = s.lengths[r].item<std::int64_t>();
        if (len != static_cast<std::int64_t>(title.size()) + 1) return "length of row " + std::to_string(r);
        for (std::int64_t t = 0; t < s.tokens.size(1); ++t) {
            const auto want = t < len - 1 ? title[t] : test::kTerm;
            if (s.tokens[r][t].item<std::int64_t>() != want) return "token of row " + std::to_string(r);
        }
        if (s.endNodes[r] != trie.terminalOf(s.titles[r])) return "end node of row " + std::to_string(r);
    }
    return "";
}

}  // namespace

class TestTrieSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void uniformChildrenUnderZeroLogits();
    void everySampleIsATitle();
    void firstStepFollowsTemperature();
    void deterministicForASeed();
    void maxTokensStopsRows();
    void freeRolloutsStopOnLeavingTheTree();
    void rejectsBadInput();
};

void TestTrieSampler::uniformChildrenUnderZeroLogits() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::zeroPolicy();
    auto gen = test::cpuGenerator(1);
    const int perPrompt = 2000;
    const auto s = sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, gen, 0, perPrompt);
    QCOMPARE(s.size(), std::int64_t{3 * perPrompt});
    QCOMPARE(checkTitles(trie, s), std::string());
    const std::vector<double> expected = {1.0 / 6, 1.0 / 12, 1.0 / 12, 1.0 / 3, 1.0 / 3};
    std::vector<double> counts(5, 0.0);
    for (auto t : s.titles) counts[t] += 1.0;
    double chi2 = 0.0;
    const double n = static_cast<double>(s.size());
    for (int t = 0; t < 5; ++t) chi2 += std::pow(counts[t] - n * expected[t], 2) / (n * expected[t]);
    // 4 degrees of freedom: P(χ² > 18.5) = 0.001.
    QVERIFY2(chi2 < 18.5, ("chi2 " + std::to_string(chi2)).c_str());
}

void TestTrieSampler::everySampleIsATitle() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(3);
    auto gen = test::cpuGenerator(2);
    const auto s = sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, gen, 0, 50);
    QCOMPARE(checkTitles(trie, s), std::string());
    // Prompt-major rows: row r belongs to prompt r / 50.
    QCOMPARE(s.samplesPerPrompt, std::int64_t{50});
}

void TestTrieSampler::firstStepFollowsTemperature() {
    // Sharpen a random policy so that the root's children are far from uniform, then compare the
    // first sampled token with softmax(logits/T) over the root's children {1, 5, 6}.
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(5);
    {
        torch::NoGradGuard noGrad;
        policy->model->embed_tokens->weight.mul_(60.0);
    }
    const auto prompt = torch::tensor({{9, 10, 11}}, torch::kLong);
    const auto mask = torch::ones({1, 3}, torch::kLong);
    const at::Tensor logits = policy->forward(prompt, mask).select(1, 2).squeeze(0).to(torch::kDouble);  // [V]
    const auto children = torch::tensor({1, 5, 6}, torch::kLong);
    for (double temperature : {0.5, 1.0, 3.0}) {
        const at::Tensor p = torch::softmax(logits.index_select(0, children) / temperature, 0);  // [3]
        // The check means something only when the children are far from uniform.
        QVERIFY2((p.max() - p.min()).item<double>() > 0.1, std::to_string(p.max().item<double>()).c_str());
        auto gen = test::cpuGenerator(11);
        const int n = 6000;
        const auto s = sampleTitles(*policy, trie, prompt, mask, temperature, gen, 1, n);
        std::vector<double> counts(3, 0.0);
        for (std::int64_t r = 0; r < n; ++r) {
            const auto first = s.tokens[r][0].item<std::int64_t>();
            counts[first == 1 ? 0 : first == 5 ? 1 : 2] += 1.0;
        }
        double chi2 = 0.0;
        for (int i = 0; i < 3; ++i) {
            const double e = n * p[i].item<double>();
            chi2 += std::pow(counts[i] - e, 2) / e;
        }
        // 2 degrees of freedom: P(χ² > 13.8) = 0.001.
        QVERIFY2(chi2 < 13.8, ("T=" + std::to_string(temperature) + " chi2 " + std::to_string(chi2) +
                               " p0=" + std::to_string(p[0].item<double>())).c_str());
    }
}

void TestTrieSampler::deterministicForASeed() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(3);
    auto g1 = test::cpuGenerator(42), g2 = test::cpuGenerator(42), g3 = test::cpuGenerator(43);
    const auto a = sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, g1, 0, 20);
    const auto b = sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, g2, 0, 20);
    const auto c = sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, g3, 0, 20);
    QVERIFY(torch::equal(a.tokens, b.tokens));
    QVERIFY(a.titles == b.titles);
    QVERIFY(!torch::equal(a.tokens, c.tokens) || a.titles != c.titles);
}

void TestTrieSampler::maxTokensStopsRows() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(3);
    auto gen = test::cpuGenerator(4);
    const auto s = sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, gen, 1, 4);
    QCOMPARE(s.tokens.size(1), std::int64_t{1});
    for (std::int64_t r = 0; r < s.size(); ++r) {
        QCOMPARE(s.titles[r], flow::TitleIndex{-1});  // no title has zero tokens
        QCOMPARE(s.lengths[r].item<std::int64_t>(), std::int64_t{1});
        QCOMPARE(trie.depth(s.endNodes[r]), std::int32_t{1});
    }
}

void TestTrieSampler::freeRolloutsStopOnLeavingTheTree() {
    // Zero logits: each step draws one of the 12 tokens uniformly. A row stops at ⊤ or right
    // after its first off-tree token; only 3 of 12 first tokens ({1, 5, 6}) stay in the tree.
    const auto trie = test::fiveTitleTrie();
    auto policy = test::zeroPolicy();
    auto gen = test::cpuGenerator(4);
    const int n = 12000;
    const at::Tensor prompt = prompts().narrow(0, 0, 1), mask = promptMask().narrow(0, 0, 1);
    const auto s = sampleTitles(*policy, trie, prompt, mask, 1.0, gen, 0, n, train::SamplingConstraint::Free);
    double leftAtFirst = 0.0, titleE = 0.0;
    for (std::int64_t r = 0; r < s.size(); ++r) {
        const auto len = s.lengths[r].item<std::int64_t>();
        flow::NodeId node = flow::TitleTrie::kRoot;
        for (std::int64_t t = 0; t < len; ++t) {
            QVERIFY2(node != flow::TitleTrie::kNoNode, "a token after leaving the tree");
            node = trie.child(node, static_cast<flow::TokenId>(s.tokens[r][t].item<std::int64_t>()));
        }
        QCOMPARE(s.endNodes[r], node);
        if (node == flow::TitleTrie::kNoNode) {
            QCOMPARE(s.titles[r], flow::TitleIndex{-1});
            if (len == 1) leftAtFirst += 1.0;
        } else {
            QVERIFY2(trie.isTerminal(node), "a row stopped inside the tree");
            QCOMPARE(s.titles[r], trie.titlesBelow(node).front());
            if (s.titles[r] == 3) titleE += 1.0;  // [5]: 1/12 · 1/12
        }
    }
    const double p = 0.75, sigma = std::sqrt(n * p * (1 - p));
    QVERIFY2(std::abs(leftAtFirst - n * p) < 4.5 * sigma, std::to_string(leftAtFirst).c_str());
    const double q = 1.0 / 144, sq = std::sqrt(n * q * (1 - q));
    QVERIFY2(std::abs(titleE - n * q) < 4.5 * sq, std::to_string(titleE).c_str());
}

void TestTrieSampler::rejectsBadInput() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(3);
    auto gen = test::cpuGenerator(4);
    QVERIFY_THROWS_EXCEPTION(flower::Error, sampleTitles(*policy, trie, prompts(), promptMask(), 0.0, gen));
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             sampleTitles(*policy, trie, prompts(), promptMask(), std::nan(""), gen));
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             sampleTitles(*policy, trie, prompts(), promptMask(), 1.0, gen, 0, 0));
    QVERIFY_THROWS_EXCEPTION(flower::Error, sampleTitles(*policy, trie, prompts(),
                                                         torch::ones({3, 2}, torch::kLong), 1.0, gen));
    // A trie token beyond the model's 12-token vocabulary.
    const std::vector<flow::TitleItem> items = {{0, "x"}};
    const std::vector<std::vector<flow::TokenId>> tokens = {{40}};
    const auto big = flow::TitleTrie::fromTokens(items, tokens, test::kTerm);
    QVERIFY_THROWS_EXCEPTION(flower::Error, sampleTitles(*policy, big, prompts(), promptMask(), 1.0, gen));
}

FLOWER_TEST_MAIN(TestTrieSampler, uniformChildrenUnderZeroLogits, everySampleIsATitle,
                 firstStepFollowsTemperature, deterministicForASeed, maxTokensStopsRows,
                 freeRolloutsStopOnLeavingTheTree, rejectsBadInput)

#ifdef FLOWER_TEST_QT
#include "test_trie_sampler.moc"
#endif
