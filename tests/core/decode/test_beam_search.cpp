// beamSearch against brute force and a plain re-implementation of Hugging Face's algorithm:
//   - with B ≥ the number of titles, every title comes back with exactly the score of an
//     exhaustive teacher-forced enumeration (α = 0, 1, 2; T = 1, 1.5), several prompts of
//     different lengths batched;
//   - with B smaller, the same titles in the same order with the same scores as an unbatched,
//     cache-free re-implementation of HF's BeamSearchScorer / BeamHypotheses written here
//     (also with D3's SASRec guidance);
//   - Temp and D3 (γ = 1, 0.5, 0) against step scores computed by hand on models whose logits
//     are known in closed form;
//   - the shared prompt prefix and the batch size do not change results; outputs are distinct
//     catalogue titles; bad input is refused.
#include "core/decode/beam_search.h"
#include "core/model/kv_cache.h"
#include "core/util/error.h"
#include "tests/core/train/train_fixtures.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

using namespace flower;
using decode::BeamSearchOptions;
using decode::Hypothesis;
using flow::TokenId;

namespace {

using Tokens = std::vector<TokenId>;

// `count` distinct titles of 1–4 tokens over ids 1..11 (⊤ = 0), item id = title index.
flow::TitleTrie randomTrie(int count, unsigned seed) {
    std::mt19937 rng(seed);
    std::set<Tokens> seen;
    std::vector<Tokens> tokens;
    std::vector<flow::TitleItem> items;
    while (static_cast<int>(tokens.size()) < count) {
        Tokens t(1 + rng() % 4);
        for (auto& x : t) x = static_cast<TokenId>(1 + rng() % 11);
        if (!seen.insert(t).second) continue;
        items.push_back({static_cast<std::int64_t>(tokens.size()), "t" + std::to_string(tokens.size())});
        tokens.push_back(t);
    }
    return flow::TitleTrie::fromTokens(items, tokens, test::kTerm);
}

// A random fp64 policy with logits far from uniform (so that rankings are not near-ties).
model::Qwen2ForCausalLM sharpPolicy(std::uint64_t seed) {
    auto p = test::nanoPolicy(seed, torch::kDouble);
    torch::NoGradGuard noGrad;
    p->model->embed_tokens->weight.mul_(25.0);
    return p;
}

std::vector<Tokens> prompts() { return {{9, 10, 11, 8}, {10, 9}, {11, 11, 8, 3, 4, 2}, {2}, {7, 1, 3}}; }

// log_softmax(logits / T) at the last position of `seq`, by a full forward without a cache.
at::Tensor nextLogProbs(model::Qwen2ForCausalLMImpl& m, const Tokens& seq, double T) {
    torch::NoGradGuard noGrad;
    std::vector<std::int64_t> ids(seq.begin(), seq.end());
    const at::Tensor logits = m.forward(torch::tensor(ids, torch::kLong).view({1, -1}));  // [1, S, V]
    return torch::log_softmax(logits[0][-1].to(torch::kDouble) / T, 0);                 // [V]
}

// Exhaustive: every step score of the title (⊤ included) by teacher forcing.
std::vector<double> titleSteps(model::Qwen2ForCausalLMImpl& m, const Tokens& prompt, std::span<const TokenId> title,
                               double T) {
    std::vector<double> steps;
    Tokens seq = prompt;
    for (std::size_t i = 0; i <= title.size(); ++i) {
        const TokenId next = i < title.size() ? title[i] : test::kTerm;
        steps.push_back(nextLogProbs(m, seq, T)[next].item<double>());
        seq.push_back(next);
    }
    return steps;
}

double sum(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s;
}

// D3's c for the allowed children of `prefix`, by brute force over the titles.
std::map<TokenId, double> bruteGuidance(const flow::TitleTrie& trie, const Tokens& prefix, const std::vector<double>& itemProb) {
    std::map<TokenId, double> mass;
    for (std::size_t t = 0; t < trie.titleCount(); ++t) {
        const auto tok = trie.titleTokens(static_cast<flow::TitleIndex>(t));
        Tokens full(tok.begin(), tok.end());
        full.push_back(test::kTerm);
        if (full.size() <= prefix.size() || !std::equal(prefix.begin(), prefix.end(), full.begin())) continue;
        double m = 0.0;
        for (auto item : trie.itemIds(static_cast<flow::TitleIndex>(t))) m += itemProb[static_cast<std::size_t>(item)];
        mass[full[prefix.size()]] += m;
    }
    double total = 0.0;
    for (auto& [k, v] : mass) total += (v += 1e-20);
    for (auto& [k, v] : mass) v /= total;
    return mass;
}

struct RefHyp {
    double score;
    Tokens tokens;
};

// Hugging Face's beam search for one prompt, straightforwardly: every step recomputes each
// beam from scratch (no cache), scores the whole vocabulary with −∞ outside the trie, ranks
// the flattened [beams × V] totals, and runs BeamSearchScorer.process / BeamHypotheses as in
// transformers (without filler beams of −∞ candidates).
std::vector<RefHyp> hfBeamSearch(model::Qwen2ForCausalLMImpl& m, const flow::TitleTrie& trie, const Tokens& prompt,
                                 int B, double alpha, double T, double gamma = 1.0,
                                 const std::vector<double>& itemProb = {}) {
    struct RefBeam {
        Tokens seq;
        double sum;
    };
    std::vector<RefBeam> beams = {{{}, 0.0}};
    std::vector<RefHyp> hyps;
    double worst = 1e9;
    const std::int64_t V = m.config().vocabSize;
    for (int cur = 1;; ++cur) {
        std::vector<std::pair<double, std::int64_t>> flat;  // (total, beam · V + token)
        for (std::size_t b = 0; b < beams.size(); ++b) {
            Tokens seq = prompt;
            seq.insert(seq.end(), beams[b].seq.begin(), beams[b].seq.end());
            const at::Tensor lp = nextLogProbs(m, seq, T);
            const flow::NodeId node = trie.find(beams[b].seq);
            std::map<TokenId, double> c;
            if (gamma < 1.0) c = bruteGuidance(trie, beams[b].seq, itemProb);
            for (std::int64_t t = 0; t < V; ++t) {
                if (trie.child(node, static_cast<TokenId>(t)) == flow::TitleTrie::kNoNode) continue;  // −∞
                double s = lp[t].item<double>();
                if (gamma < 1.0) s = gamma * s + (1.0 - gamma) * std::log(c.at(static_cast<TokenId>(t)));
                flat.push_back({beams[b].sum + s, static_cast<std::int64_t>(b) * V + t});
            }
        }
        std::stable_sort(flat.begin(), flat.end(), [](auto& x, auto& y) { return x.first > y.first; });
        if (flat.size() > static_cast<std::size_t>(2 * B)) flat.resize(static_cast<std::size_t>(2 * B));
        std::vector<RefBeam> next;
        for (std::size_t rank = 0; rank < flat.size(); ++rank) {
            const auto b = static_cast<std::size_t>(flat[rank].second / V);
            const auto t = static_cast<TokenId>(flat[rank].second % V);
            if (t == test::kTerm) {
                if (rank >= static_cast<std::size_t>(B)) continue;
                const double score = flat[rank].first / std::pow(static_cast<double>(cur), alpha);
                if (static_cast<int>(hyps.size()) < B || score > worst) {
                    hyps.push_back({score, beams[b].seq});
                    if (static_cast<int>(hyps.size()) > B) {
                        std::vector<std::pair<double, std::size_t>> sorted;
                        for (std::size_t i = 0; i < hyps.size(); ++i) sorted.push_back({hyps[i].score, i});
                        std::sort(sorted.begin(), sorted.end());
                        hyps.erase(hyps.begin() + static_cast<std::ptrdiff_t>(sorted[0].second));
                        worst = sorted[1].first;
                    } else {
                        worst = std::min(score, worst);
                    }
                }
            } else {
                Tokens seq = beams[b].seq;
                seq.push_back(t);
                next.push_back({seq, flat[rank].first});
            }
            if (static_cast<int>(next.size()) == B) break;
        }
        const bool done = flat.empty() || (static_cast<int>(hyps.size()) >= B &&
                                           worst >= flat.front().first / std::pow(static_cast<double>(cur), alpha));
        if (done || next.empty()) break;
        beams = next;
    }
    std::stable_sort(hyps.begin(), hyps.end(), [](auto& x, auto& y) { return x.score < y.score; });
    std::reverse(hyps.begin(), hyps.end());
    return hyps;
}

Tokens titleOf(const flow::TitleTrie& trie, const Hypothesis& h) {
    const auto t = trie.titleTokens(h.title);
    return Tokens(t.begin(), t.end());
}

std::string str(const Tokens& t) {
    std::string s = "[";
    for (auto x : t) s += std::to_string(x) + " ";
    return s + "]";
}

std::vector<double> softmax(const std::vector<double>& raw) {
    double z = 0.0;
    for (double r : raw) z += std::exp(r);
    std::vector<double> p;
    for (double r : raw) p.push_back(std::exp(r) / z);
    return p;
}

}  // namespace

class TestBeamSearch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exhaustiveWhenBeamsCoverTitles();
    void matchesHuggingFaceAlgorithm();
    void guidanceMatchesHuggingFaceAlgorithm();
    void temperatureByHand();
    void d3GuidanceByHand();
    void hypothesesKeepTheBest();
    void earlyStoppingHeuristicAsHf();
    void cacheReorderFromMovesOnlyTheTail();
    void sharedPrefixAndBatchingChangeNothing();
    void outputsAreDistinctCatalogueTitles();
    void groupedPathEqualsEarlierPath();
    void namedDecodings();
    void rejectsBadInput();
};

void TestBeamSearch::exhaustiveWhenBeamsCoverTitles() {
    const auto trie = randomTrie(9, 7);
    auto policy = sharpPolicy(3);
    const auto ps = prompts();
    for (double alpha : {0.0, 1.0, 2.0}) {
        for (double T : {1.0, 1.5}) {
            for (int extra : {0, 3}) {
                BeamSearchOptions o;
                o.beams = static_cast<int>(trie.titleCount()) + extra;
                o.lengthPenalty = alpha;
                o.temperature = T;
                o.promptsPerBatch = 3;
                const auto r = decode::beamSearch(*policy, trie, ps, o);
                QCOMPARE(r.titles.size(), ps.size());
                for (std::size_t p = 0; p < ps.size(); ++p) {
                    const auto& hs = r.titles[p];
                    QCOMPARE(hs.size(), trie.titleCount());
                    std::set<flow::TitleIndex> seen;
                    for (std::size_t i = 0; i < hs.size(); ++i) {
                        const auto& h = hs[i];
                        QVERIFY(seen.insert(h.title).second);
                        const auto steps = titleSteps(*policy, ps[p], trie.titleTokens(h.title), T);
                        QCOMPARE(h.tokenScores.size(), steps.size());
                        for (std::size_t s = 0; s < steps.size(); ++s) QVERIFY(std::abs(h.tokenScores[s] - steps[s]) < 1e-10);
                        const double want = sum(steps) / std::pow(static_cast<double>(steps.size()), alpha);
                        QVERIFY2(std::abs(h.score - want) < 1e-10,
                                 (std::to_string(h.score) + " vs " + std::to_string(want)).c_str());
                        if (i > 0) QVERIFY(hs[i - 1].score >= h.score);
                    }
                }
            }
        }
    }
}

void TestBeamSearch::matchesHuggingFaceAlgorithm() {
    const auto trie = randomTrie(30, 11);
    auto policy = sharpPolicy(5);
    const auto ps = prompts();
    int compared = 0;
    for (int B : {1, 2, 3, 5}) {
        for (double alpha : {0.0, 1.0, 2.0}) {
            for (double T : {1.0, 1.5}) {
                BeamSearchOptions o;
                o.beams = B;
                o.lengthPenalty = alpha;
                o.temperature = T;
                o.promptsPerBatch = 2;
                const auto r = decode::beamSearch(*policy, trie, ps, o);
                for (std::size_t p = 0; p < ps.size(); ++p) {
                    const auto want = hfBeamSearch(*policy, trie, ps[p], B, alpha, T);
                    const auto& got = r.titles[p];
                    const std::string where = "B=" + std::to_string(B) + " α=" + std::to_string(alpha) +
                                              " T=" + std::to_string(T) + " prompt " + std::to_string(p);
                    QVERIFY2(got.size() == want.size(), where.c_str());
                    for (std::size_t i = 0; i < got.size(); ++i) {
                        QVERIFY2(titleOf(trie, got[i]) == want[i].tokens,
                                 (where + ": " + str(titleOf(trie, got[i])) + " vs " + str(want[i].tokens)).c_str());
                        QVERIFY2(std::abs(got[i].score - want[i].score) < 1e-10, where.c_str());
                        ++compared;
                    }
                }
            }
        }
    }
    QVERIFY(compared > 200);
}

void TestBeamSearch::guidanceMatchesHuggingFaceAlgorithm() {
    const auto trie = randomTrie(30, 13);
    auto policy = sharpPolicy(8);
    const auto ps = prompts();
    // Raw preference scores per prompt (softmax taken by the search): a 31st item column no
    // title uses is fine.
    const at::Tensor raw = torch::randn({static_cast<std::int64_t>(ps.size()), 31},
                                        torch::TensorOptions().dtype(torch::kFloat)) * 2.0;  // [P, items]
    for (double gamma : {0.5, 0.0}) {
        for (int B : {2, 4}) {
            BeamSearchOptions o;
            o.beams = B;
            o.lengthPenalty = 0.0;
            o.guidance = gamma;
            o.promptsPerBatch = 3;
            const auto r = decode::beamSearch(*policy, trie, ps, o, raw);
            for (std::size_t p = 0; p < ps.size(); ++p) {
                std::vector<double> row;
                for (std::int64_t i = 0; i < raw.size(1); ++i) {
                    row.push_back(static_cast<double>(raw[static_cast<std::int64_t>(p)][i].item<float>()));
                }
                const auto want = hfBeamSearch(*policy, trie, ps[p], B, 0.0, 1.0, gamma, softmax(row));
                const auto& got = r.titles[p];
                QCOMPARE(got.size(), want.size());
                for (std::size_t i = 0; i < got.size(); ++i) {
                    QVERIFY(titleOf(trie, got[i]) == want[i].tokens);
                    QVERIFY(std::abs(got[i].score - want[i].score) < 1e-9);
                }
            }
        }
    }
}

void TestBeamSearch::temperatureByHand() {
    // Zero layers (attention and MLP add nothing), one-hot embeddings e_t, unit final norm: the
    // hidden state after token x is e_x / sqrt(1/64 + ε), so logits = r·[t = x] with
    // r = 1/sqrt(1/64 + 1e-6): the next token repeating the last one has logit r, all others 0.
    auto policy = test::zeroPolicy();
    policy->to(torch::kDouble);
    {
        torch::NoGradGuard noGrad;
        for (std::int64_t t = 0; t < test::kVocab; ++t) policy->model->embed_tokens->weight[t][t] = 1.0;
        policy->model->norm->weight.fill_(1.0);
    }
    const auto trie = test::fiveTitleTrie();  // [1,2] [1,3] [1,3,4] [5] [6,7]
    const double r = 1.0 / std::sqrt(1.0 / 64 + 1e-6);
    for (double T : {1.0, 1.5}) {
        const double lse = std::log(std::exp(r / T) + 11.0);
        // Prompt ends in 5: only [5]'s first token repeats the last one.
        const std::map<Tokens, std::vector<double>> steps = {
            {{1, 2}, {-lse, -lse, -lse}},
            {{1, 3}, {-lse, -lse, -lse}},
            {{1, 3, 4}, {-lse, -lse, -lse, -lse}},
            {{5}, {r / T - lse, -lse}},
            {{6, 7}, {-lse, -lse, -lse}}};
        BeamSearchOptions o;
        o.beams = 5;
        o.temperature = T;
        o.lengthPenalty = 1.0;
        const std::vector<Tokens> ps = {{3, 5}};
        const auto r0 = decode::beamSearch(*policy, trie, ps, o);
        QCOMPARE(r0.titles[0].size(), std::size_t{5});
        for (const auto& h : r0.titles[0]) {
            const auto& want = steps.at(titleOf(trie, h));
            QCOMPARE(h.tokenScores.size(), want.size());
            for (std::size_t s = 0; s < want.size(); ++s) QVERIFY(std::abs(h.tokenScores[s] - want[s]) < 1e-9);
            QVERIFY(std::abs(h.score - sum(want) / static_cast<double>(want.size())) < 1e-9);
        }
        QVERIFY(titleOf(trie, r0.titles[0].front()) == Tokens{5});  // the only title with a high step
    }
}

void TestBeamSearch::d3GuidanceByHand() {
    // All-zero policy: log p_LLM = −log 12 at every step. Item probabilities (softmax of the raw
    // scores) 0.1, 0.2, 0.3, 0.25, 0.15 for the titles [1,2], [1,3], [1,3,4], [5], [6,7]:
    // c(root→1) = 0.6, c(1→2) = 0.1/0.6, c(1→3) = 0.5/0.6, c([1,3]→⊤) = 0.2/0.5,
    // c([1,3]→4) = 0.3/0.5, c(root→5) = 0.25, c(root→6) = 0.15, single children 1.
    auto policy = test::zeroPolicy();
    policy->to(torch::kDouble);
    const auto trie = test::fiveTitleTrie();
    const std::vector<double> prob = {0.1, 0.2, 0.3, 0.25, 0.15};
    at::Tensor raw = torch::empty({1, 5}, torch::kFloat);
    for (int i = 0; i < 5; ++i) raw[0][i] = static_cast<float>(std::log(prob[static_cast<std::size_t>(i)]) + 3.0);
    const std::map<Tokens, std::vector<double>> c = {{{1, 2}, {0.6, 0.1 / 0.6, 1.0}},
                                                     {{1, 3}, {0.6, 0.5 / 0.6, 0.4}},
                                                     {{1, 3, 4}, {0.6, 0.5 / 0.6, 0.6, 1.0}},
                                                     {{5}, {0.25, 1.0}},
                                                     {{6, 7}, {0.15, 1.0, 1.0}}};
    const double logP = -std::log(12.0);
    for (double gamma : {1.0, 0.5, 0.0}) {
        BeamSearchOptions o = decode::decodingOptions("d3");
        o.beams = 5;
        o.guidance = gamma;
        const std::vector<Tokens> ps = {{9, 10}};
        const auto r = decode::beamSearch(*policy, trie, ps, o, gamma < 1.0 ? raw : at::Tensor());
        QCOMPARE(r.titles[0].size(), std::size_t{5});
        for (const auto& h : r.titles[0]) {
            const auto& cs = c.at(titleOf(trie, h));
            QCOMPARE(h.tokenScores.size(), cs.size());
            double total = 0.0;
            for (std::size_t s = 0; s < cs.size(); ++s) {
                // float32 raw scores: the softmax is exact to ~1e-7 relative.
                const double want = gamma * logP + (1.0 - gamma) * std::log(cs[s]);
                QVERIFY2(std::abs(h.tokenScores[s] - want) < 1e-6,
                         (std::to_string(h.tokenScores[s]) + " vs " + std::to_string(want)).c_str());
                total += want;
            }
            QVERIFY(std::abs(h.score - total) < 1e-5);  // α = 0: the plain sum
        }
    }
}

void TestBeamSearch::hypothesesKeepTheBest() {
    decode::BeamHypotheses h(2, 1.0);
    const auto hyp = [](flow::TitleIndex t, double sum, std::size_t length) {
        Hypothesis x;
        x.title = t;
        x.sumScore = sum;
        x.tokenScores.assign(length, sum / static_cast<double>(length));
        return x;
    };
    QVERIFY(!h.isDone(-100.0, 1));  // fewer than B held: never done
    h.add(hyp(0, -4.0, 2));         // score −2
    h.add(hyp(1, -3.0, 3));         // score −1
    QCOMPARE(h.worstScore(), -2.0);
    h.add(hyp(2, -6.0, 2));         // −3: not better than the worst, not kept
    QCOMPARE(h.size(), std::size_t{2});
    h.add(hyp(3, -4.0, 4));         // −1: replaces title 0, the new worst is −1
    QCOMPARE(h.worstScore(), -1.0);
    const auto best = h.best();
    QCOMPARE(best.size(), std::size_t{2});
    QCOMPARE(best[0].title, 3);  // equal scores: the later one first (HF's sort-and-pop)
    QCOMPARE(best[1].title, 1);
    QCOMPARE(best[0].score, -1.0);
    // HF's early_stopping=False: done when worst ≥ best running sum / L^α at the current L.
    QVERIFY(h.isDone(-3.0, 3));
    QVERIFY(!h.isDone(-2.0, 3));
    // α = 2: worst −1/3 and a running sum −4 at L = 3 (−4/9): done, although that beam ending at
    // L = 5 with sum −4.5 would score −0.18 — the heuristic, kept as HF has it.
    decode::BeamHypotheses q(1, 2.0);
    q.add(hyp(0, -3.0, 3));
    QVERIFY(std::abs(q.worstScore() + 1.0 / 3.0) < 1e-15);
    QVERIFY(q.isDone(-4.0, 3));
}

void TestBeamSearch::earlyStoppingHeuristicAsHf() {
    // Uniform policy, α = 2: a title of L tokens scores −L·log 12 / L² = −log 12 / L, so longer is
    // better, and every candidate of a step ties (ties go by beam, then token). B = 2:
    //   L=1: 1, 5 run (6 dropped);  L=2: [1,2], [1,3] run ([5]⊤ ranks third, not reached);
    //   L=3: [1,2]⊤ and [1,3]⊤ finish (−log12/3), [1,3,4] runs; worst −log12/3 ≥ −3·log12/3²:
    //   done — HF stops although [1,3,4] would score −log12/4.
    auto policy = test::zeroPolicy();
    policy->to(torch::kDouble);
    const auto trie = test::fiveTitleTrie();
    BeamSearchOptions o;
    o.beams = 2;
    o.lengthPenalty = 2.0;
    const std::vector<Tokens> ps = {{9, 10}};
    const auto r = decode::beamSearch(*policy, trie, ps, o);
    QCOMPARE(r.titles[0].size(), std::size_t{2});
    std::set<Tokens> got;
    for (const auto& h : r.titles[0]) {
        got.insert(titleOf(trie, h));
        QVERIFY(std::abs(h.score + std::log(12.0) / 3.0) < 1e-12);
    }
    QVERIFY(got == (std::set<Tokens>{{1, 2}, {1, 3}}));
}

void TestBeamSearch::cacheReorderFromMovesOnlyTheTail() {
    // Two prompts, two beams each (rows 0, 1 of prompt 0; 2, 3 of prompt 1), two decoded tokens;
    // then beams swap inside each prompt: reorderFrom(rows, P) must continue exactly as reorder.
    auto policy = test::nanoPolicy(4, torch::kDouble);
    torch::NoGradGuard noGrad;
    const at::Tensor prompt = torch::tensor({{3, 4, 5}, {0, 6, 7}}, torch::kLong);
    const at::Tensor mask = torch::tensor({{1, 1, 1}, {0, 1, 1}}, torch::kLong);
    model::KvCache a(policy->config().numHiddenLayers);
    policy->hiddenStates(prompt, mask, &a);
    a.reserve(4);
    a.reorder(torch::tensor({0, 0, 1, 1}, torch::kLong));
    const at::Tensor ones = torch::ones({4, 1}, torch::kLong);
    policy->hiddenStates(torch::tensor({{1}, {2}, {3}, {4}}, torch::kLong), ones, &a);
    policy->hiddenStates(torch::tensor({{5}, {6}, {7}, {8}}, torch::kLong), ones, &a);
    // A copy has no room: b.reorder is the plain gather. It runs first: the copy's tensors are
    // views of a's room, which reorderFrom rewrites.
    model::KvCache b = a;
    const at::Tensor rows = torch::tensor({1, 1, 3, 2}, torch::kLong);
    b.reorder(rows);
    a.reorderFrom(rows, 3);
    QVERIFY(torch::equal(a.mask(), b.mask()));
    const at::Tensor next = torch::tensor({{9}, {10}, {11}, {1}}, torch::kLong);
    const at::Tensor ha = policy->hiddenStates(next, ones, &a);  // [4, 1, D]
    const at::Tensor hb = policy->hiddenStates(next, ones, &b);
    QVERIFY2((ha - hb).abs().max().item<double>() < 1e-12, std::to_string((ha - hb).abs().max().item<double>()).c_str());
    QCOMPARE(a.length(), std::int64_t{6});
}

void TestBeamSearch::sharedPrefixAndBatchingChangeNothing() {
    const auto trie = randomTrie(30, 17);
    auto policy = sharpPolicy(9);
    const std::vector<Tokens> ps = {{4, 5, 6, 7, 1}, {4, 5, 6, 7, 2, 3, 9}, {4, 5, 6, 7, 8, 8}, {4, 5, 6, 10}};
    BeamSearchOptions base;
    base.beams = 4;
    base.sharePromptPrefix = false;
    base.promptsPerBatch = 1;
    const auto want = decode::beamSearch(*policy, trie, ps, base);
    for (bool share : {false, true}) {
        for (int batch : {1, 3, 4}) {
            BeamSearchOptions o = base;
            o.sharePromptPrefix = share;
            o.promptsPerBatch = batch;
            const auto got = decode::beamSearch(*policy, trie, ps, o);
            QCOMPARE(got.stats.prefixTokens, std::int64_t{share ? 3 : 0});
            for (std::size_t p = 0; p < ps.size(); ++p) {
                QCOMPARE(got.titles[p].size(), want.titles[p].size());
                for (std::size_t i = 0; i < got.titles[p].size(); ++i) {
                    QCOMPARE(got.titles[p][i].title, want.titles[p][i].title);
                    QVERIFY(std::abs(got.titles[p][i].score - want.titles[p][i].score) < 1e-10);
                }
            }
        }
    }
}

void TestBeamSearch::outputsAreDistinctCatalogueTitles() {
    // fp32: the grouped path with its fp32 kernels.
    const auto trie = randomTrie(40, 19);
    auto policy = test::nanoPolicy(21);
    const auto ps = prompts();
    BeamSearchOptions o;
    o.beams = 10;
    const auto r = decode::beamSearch(*policy, trie, ps, o);
    for (const auto& hs : r.titles) {
        QCOMPARE(hs.size(), std::size_t{10});
        std::set<flow::TitleIndex> seen;
        for (const auto& h : hs) {
            QVERIFY(h.title >= 0 && static_cast<std::size_t>(h.title) < trie.titleCount());
            QVERIFY(seen.insert(h.title).second);
            QCOMPARE(h.tokenScores.size(), trie.titleTokens(h.title).size() + 1);
            QVERIFY(std::isfinite(h.score));
        }
    }
    QVERIFY(r.stats.decodeRows > 0);
    QCOMPARE(r.stats.promptTokens, std::int64_t{4 + 2 + 6 + 1 + 3});
}

void TestBeamSearch::groupedPathEqualsEarlierPath() {
    // The grouped path (the default on the CPU) and the earlier one-cache-row-per-beam path give
    // the same titles, scores and per-token scores: slots refilled in the middle of a search
    // (5 prompts, 2 slots), guidance, a token limit, temperature.
    const auto trie = randomTrie(30, 23);
    auto policy = sharpPolicy(12);
    const auto ps = prompts();
    const at::Tensor raw = torch::randn({static_cast<std::int64_t>(ps.size()), 30}, torch::kFloat);
    for (int variant = 0; variant < 4; ++variant) {
        BeamSearchOptions o;
        o.beams = variant == 0 ? 1 : 4;
        o.promptsPerBatch = 2;
        if (variant == 1) o.guidance = 0.5;
        if (variant == 2) o.maxTokens = 2;
        if (variant == 3) o.temperature = 1.5;
        BeamSearchOptions earlier = o;
        earlier.groupedDecoding = false;
        const auto want = decode::beamSearch(*policy, trie, ps, earlier, raw);
        const auto got = decode::beamSearch(*policy, trie, ps, o, raw);
        QCOMPARE(got.stats.decodeRows, want.stats.decodeRows);
        QCOMPARE(got.stats.headRows, want.stats.headRows);
        QCOMPARE(got.stats.attentionKeys, want.stats.attentionKeys);
        QVERIFY(got.stats.layerSeconds > 0.0 && want.stats.layerSeconds == 0.0);
        for (std::size_t p = 0; p < ps.size(); ++p) {
            QCOMPARE(got.titles[p].size(), want.titles[p].size());
            for (std::size_t i = 0; i < got.titles[p].size(); ++i) {
                QCOMPARE(got.titles[p][i].title, want.titles[p][i].title);
                QVERIFY(std::abs(got.titles[p][i].score - want.titles[p][i].score) < 1e-10);
                QCOMPARE(got.titles[p][i].tokenScores.size(), want.titles[p][i].tokenScores.size());
                for (std::size_t t = 0; t < got.titles[p][i].tokenScores.size(); ++t) {
                    QVERIFY(std::abs(got.titles[p][i].tokenScores[t] - want.titles[p][i].tokenScores[t]) < 1e-10);
                }
            }
        }
    }
}

void TestBeamSearch::namedDecodings() {
    const auto beam = decode::decodingOptions("beam");
    QCOMPARE(beam.lengthPenalty, 1.0);
    QCOMPARE(beam.temperature, 1.0);
    const auto temp = decode::decodingOptions("temp");
    QCOMPARE(temp.temperature, 1.5);
    const auto d3 = decode::decodingOptions("d3");
    QCOMPARE(d3.lengthPenalty, 0.0);
    QCOMPARE(d3.guidance, 1.0);
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::decodingOptions("greedy"));
}

void TestBeamSearch::rejectsBadInput() {
    const auto trie = test::fiveTitleTrie();
    auto policy = test::nanoPolicy(3);
    const std::vector<Tokens> ps = {{1, 2}};
    BeamSearchOptions o;
    o.beams = 0;
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, ps, o));
    o = {};
    o.temperature = 0.0;
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, ps, o));
    o = {};
    o.guidance = 0.5;  // no item scores
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, ps, o));
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, ps, o, torch::zeros({2, 5})));
    // An item id outside the score row.
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, ps, o, torch::zeros({1, 3})));
    o = {};
    const std::vector<Tokens> empty = {{}};
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, empty, o));
    const std::vector<Tokens> outside = {{1, 40}};
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, trie, outside, o));
    // A trie token beyond the model's 12-token vocabulary.
    const std::vector<flow::TitleItem> items = {{0, "x"}};
    const std::vector<Tokens> tokens = {{3, 40}};
    const auto big = flow::TitleTrie::fromTokens(items, tokens, test::kTerm);
    QVERIFY_THROWS_EXCEPTION(flower::Error, decode::beamSearch(*policy, big, ps, o));
}

FLOWER_TEST_MAIN(TestBeamSearch, exhaustiveWhenBeamsCoverTitles, matchesHuggingFaceAlgorithm,
                 guidanceMatchesHuggingFaceAlgorithm, temperatureByHand, d3GuidanceByHand,
                 hypothesesKeepTheBest, earlyStoppingHeuristicAsHf, cacheReorderFromMovesOnlyTheTail,
                 sharedPrefixAndBatchingChangeNothing, outputsAreDistinctCatalogueTitles, groupedPathEqualsEarlierPath,
                 namedDecodings,
                 rejectsBadInput)

#ifdef FLOWER_TEST_QT
#include "test_beam_search.moc"
#endif
