// DistributionFit: KL(T‖R), KL(R‖T), JS of the paper's RQ1 on hand-derived cases, identities
// against an independent formula on random counts, and on the 100 Movies targets: target vs
// itself is 0, target vs a uniform generation matches plain loops, and the target token counts
// equal the reference's select_100_Movies_token.json (termination not counted).
#include "core/eval/distribution_fit.h"
#include "core/train/rq1_target.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <random>

using namespace flower::eval;
using namespace flower::train;  // the Movies RQ1 targets (Rq1Target)
using Ids = std::vector<TokenId>;

namespace {
const double kLn2 = std::log(2.0);

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol; }

std::string show(double a, double b) { return std::to_string(a) + " vs " + std::to_string(b); }

// H(p) = −Σ p ln p of a normalised vector.
double entropy(const std::vector<double>& p) {
    double h = 0.0;
    for (double x : p) h -= x * std::log(x);
    return h;
}

std::vector<double> normalised(std::vector<double> v) {
    double s = 0.0;
    for (double x : v) s += x;
    for (double& x : v) x /= s;
    return v;
}
}  // namespace

class TestDistributionFit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void handCaseNoMissingKeys();
    void missingKeyCountsEpsilonBeforeNormalisation();
    void identitiesOnRandomCounts();
    void mapsAlignKeys();
    void titleAndTokenLevelOnTinyTargets();
    void bucketPolicyKeepsOutOfSet();
    void probabilitiesAreTheLimitOfCounts();
    void rejectsBadInput();
    void moviesTargetTokenCountsMatchReference();
    void moviesTargetAgainstItselfIsZero();
    void moviesUniformGenerationMatchesPlainLoops();
};

// T = (3, 1) → m = (3/4, 1/4); R = (1, 1) → b = (1/2, 1/2).
//   KL(T‖R) = 3/4 ln(3/2) + 1/4 ln(1/2)                  = 0.1308120360
//   KL(R‖T) = 1/2 ln(2/3) + 1/2 ln 2                     = 0.1438410362
//   M = (5/8, 3/8): H(b,M) = 1/2 ln(4/5) + 1/2 ln(4/3)  = 0.0322692606
//                   H(m,M) = 3/4 ln(6/5) + 1/4 ln(2/3)  = 0.0353748906
//   JS = (0.0322692606 + 0.0353748906) / 2              = 0.0338220756
void TestDistributionFit::handCaseNoMissingKeys() {
    const std::vector<double> t = {3, 1}, g = {1, 1};
    const Divergences d = divergencesOfCounts(t, g);
    QVERIFY2(near(d.klTargetGenerated, 0.1308120360, 1e-10), show(d.klTargetGenerated, 0.1308120360).c_str());
    QVERIFY2(near(d.klGeneratedTarget, 0.1438410362, 1e-10), show(d.klGeneratedTarget, 0.1438410362).c_str());
    QVERIFY2(near(d.js, 0.0338220756, 1e-10), show(d.js, 0.0338220756).c_str());
}

// T = {a: 4}, R = {a: 1, c: 1}. Target c counts ε = 2^-52 before normalisation:
//   m = (4, ε)/(4+ε) ≈ (1, ε/4), b = (1/2, 1/2).
//   KL(T‖R) = ln 2 + O(ε ln ε)
//   KL(R‖T) = 1/2 ln(1/2) + 1/2 ln((1/2)/(ε/4)) = −½ln2 + ½(ln 2 + 52 ln 2) = 26 ln 2
//     (ε added to probabilities instead would give 25 ln 2)
//   M ≈ (3/4, 1/4): JS = ½[½ln(2/3) + ½ln 2] + ½ ln(4/3) = ½(0.1438410362 + 0.2876820725)
void TestDistributionFit::missingKeyCountsEpsilonBeforeNormalisation() {
    const std::map<std::string, double> t = {{"a", 4}};
    const std::map<std::string, double> g = {{"a", 1}, {"c", 1}};
    const Divergences d = divergencesOfCountMaps(t, g);
    QVERIFY2(near(d.klTargetGenerated, kLn2, 1e-12), show(d.klTargetGenerated, kLn2).c_str());
    QVERIFY2(near(d.klGeneratedTarget, 26 * kLn2, 1e-12), show(d.klGeneratedTarget, 26 * kLn2).c_str());
    QVERIFY2(near(d.js, 0.2157615543, 1e-10), show(d.js, 0.2157615543).c_str());
    QCOMPARE(kMissingCount, std::ldexp(1.0, -52));
}

// JS = H(M) − (H(b) + H(m))/2 (entropy form); KL(T‖R) + KL(R‖T) = Σ (m − b) ln(m/b);
// swapping the sides swaps the KLs and keeps JS; 0 ≤ JS ≤ ln 2.
void TestDistributionFit::identitiesOnRandomCounts() {
    std::mt19937_64 rng(5);
    for (int trial = 0; trial < 200; ++trial) {
        const std::size_t n = 1 + rng() % 30;
        std::vector<double> t(n), g(n);
        for (std::size_t i = 0; i < n; ++i) {
            t[i] = static_cast<double>(rng() % 4 == 0 ? 0 : 1 + rng() % 1000);
            g[i] = static_cast<double>(t[i] == 0 || rng() % 4 != 0 ? 1 + rng() % 50 : 0);
        }
        const Divergences d = divergencesOfCounts(t, g);
        std::vector<double> te(t), ge(g);
        for (auto* v : {&te, &ge}) {
            for (double& x : *v) x = x == 0 ? std::ldexp(1.0, -52) : x;
        }
        const auto m = normalised(te), b = normalised(ge);
        std::vector<double> mid(n);
        double sym = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            mid[i] = (m[i] + b[i]) / 2;
            sym += (m[i] - b[i]) * std::log(m[i] / b[i]);
        }
        const double js = entropy(mid) - (entropy(m) + entropy(b)) / 2;
        QVERIFY2(near(d.js, js, 1e-12), show(d.js, js).c_str());
        QVERIFY2(near(d.klTargetGenerated + d.klGeneratedTarget, sym, 1e-9 * std::max(1.0, sym)),
                 show(d.klTargetGenerated + d.klGeneratedTarget, sym).c_str());
        QVERIFY(d.js >= -1e-15 && d.js <= kLn2 + 1e-15);
        const Divergences s = divergencesOfCounts(g, t);
        QVERIFY(near(s.js, d.js, 1e-15));
        QVERIFY(near(s.klTargetGenerated, d.klGeneratedTarget, 1e-12 * std::max(1.0, sym)));
    }
}

void TestDistributionFit::mapsAlignKeys() {
    const std::map<TokenId, double> t = {{1, 5}, {3, 2}, {7, 1}};
    const std::map<TokenId, double> g = {{0, 2}, {3, 4}, {7, 1}, {9, 3}};
    // Union 0,1,3,7,9.
    const std::vector<double> ta = {0, 5, 2, 1, 0}, ga = {2, 0, 4, 1, 3};
    const Divergences a = divergencesOfCountMaps(t, g);
    const Divergences b = divergencesOfCounts(ta, ga);
    QCOMPARE(a.klTargetGenerated, b.klTargetGenerated);
    QCOMPARE(a.klGeneratedTarget, b.klGeneratedTarget);
    QCOMPARE(a.js, b.js);
}

// Titles {1,2}: 2, {1,3}: 1, {4}: 1. Generated {1,2}, {1,2}, {4}, {9} ({9} is out of set).
// Title level (drop): t = (2,1,1), g = (2,ε,1): m = (½,¼,¼), b ≈ (⅔, ε/3, ⅓)
//   KL(T‖R) = ½ln(¾) + ¼ln(¾/ε) + ¼ln(¾) = ln ¾ + 13 ln 2 = 8.7232312748
// Token level: target 1:3, 2:2, 3:1, 4:1; generated 1:2, 2:2, 4:1, 9:1 (out-of-set tokens count).
void TestDistributionFit::titleAndTokenLevelOnTinyTargets() {
    const DistributionFit fit({{1, 2}, {1, 3}, {4}}, {2, 1, 1});
    QCOMPARE(fit.targetTokenCounts(), (std::map<TokenId, double>{{1, 3}, {2, 2}, {3, 1}, {4, 1}}));
    const std::vector<Ids> gen = {{1, 2}, {1, 2}, {4}, {9}};
    const DistributionFitResult r = fit.evaluate(gen);
    QCOMPARE(r.samples, std::int64_t{4});
    QCOMPARE(r.outOfSet, std::int64_t{1});
    QCOMPARE(r.titleCounts, (std::vector<std::int64_t>{2, 0, 1}));
    const double kl = std::log(0.75) + 13 * kLn2;
    QVERIFY2(near(r.title.klTargetGenerated, kl, 1e-12), show(r.title.klTargetGenerated, kl).c_str());
    QVERIFY2(near(kl, 8.7232312748, 1e-9), "hand value");
    const Divergences title = divergencesOfCounts(std::vector<double>{2, 1, 1}, std::vector<double>{2, 0, 1});
    QCOMPARE(r.title.js, title.js);
    QCOMPARE(r.title.klGeneratedTarget, title.klGeneratedTarget);
    const Divergences token = divergencesOfCounts(std::vector<double>{3, 2, 1, 1, 0},
                                                  std::vector<double>{2, 2, 0, 1, 1});
    QCOMPARE(r.token.klTargetGenerated, token.klTargetGenerated);
    QCOMPARE(r.token.klGeneratedTarget, token.klGeneratedTarget);
    QCOMPARE(r.token.js, token.js);
    QCOMPARE(*fit.titleOf(Ids{1, 3}), std::size_t{1});
    QVERIFY(!fit.titleOf(Ids{1}));
}

// The reference's in-training callback: one extra key "Not_in_dataset", target count ε.
void TestDistributionFit::bucketPolicyKeepsOutOfSet() {
    const DistributionFit fit({{1, 2}, {1, 3}, {4}}, {2, 1, 1}, OutOfSetPolicy::Bucket);
    const std::vector<Ids> gen = {{1, 2}, {1, 2}, {4}, {9}};
    const DistributionFitResult r = fit.evaluate(gen);
    const double eps = std::ldexp(1.0, -52);
    const Divergences expected = divergencesOfCounts(std::vector<double>{2, 1, 1, eps},
                                                     std::vector<double>{2, 0, 1, 1});
    QCOMPARE(r.title.klGeneratedTarget, expected.klGeneratedTarget);
    QCOMPARE(r.title.js, expected.js);
    // No out-of-set generation: the bucket is ε on both sides.
    const std::vector<Ids> inSet = {{1, 2}, {1, 3}, {4}};
    const auto z = fit.evaluate(inSet);
    const Divergences e2 = divergencesOfCounts(std::vector<double>{2, 1, 1, eps},
                                               std::vector<double>{1, 1, 1, eps});
    QCOMPARE(z.title.klTargetGenerated, e2.klTargetGenerated);
}

// evaluateProbabilities is evaluate() in the limit: generations in exact proportion give the
// same divergences, and a scale (mass outside the set, dropped) changes nothing under Drop. A
// zero probability is a missing key: ε against a total of 1.
void TestDistributionFit::probabilitiesAreTheLimitOfCounts() {
    const DistributionFit fit({{1, 2}, {1, 3}, {4}, {5, 1}}, {2, 1, 1, 3});
    const std::vector<Ids> gen = {{1, 2}, {1, 2}, {1, 2}, {1, 3}, {4}, {4}, {5, 1}};
    const DistributionFitResult counted = fit.evaluate(gen);
    for (double scale : {1.0, 0.4}) {
        const std::vector<double> p = {scale * 3 / 7, scale * 1 / 7, scale * 2 / 7, scale * 1 / 7};
        const DistributionFitResult exact = fit.evaluateProbabilities(p);
        for (const auto& [a, b] : {std::pair{counted.title, exact.title}, std::pair{counted.token, exact.token}}) {
            QVERIFY2(near(a.klTargetGenerated, b.klTargetGenerated, 1e-12), show(a.klTargetGenerated, b.klTargetGenerated).c_str());
            QVERIFY2(near(a.klGeneratedTarget, b.klGeneratedTarget, 1e-12), show(a.klGeneratedTarget, b.klGeneratedTarget).c_str());
            QVERIFY2(near(a.js, b.js, 1e-12), show(a.js, b.js).c_str());
        }
    }
    const DistributionFitResult missing = fit.evaluateProbabilities(std::vector<double>{0.5, 0.25, 0.25, 0.0});
    const Divergences expected = divergencesOfCounts(std::vector<double>{2, 1, 1, 3},
                                                     std::vector<double>{0.5, 0.25, 0.25, 0.0});
    QCOMPARE(missing.title.klTargetGenerated, expected.klTargetGenerated);
    QVERIFY(missing.title.klTargetGenerated > 10.0);  // 3/7 · ln((3/7)/ε)
    QVERIFY_THROWS_EXCEPTION(flower::Error, fit.evaluateProbabilities(std::vector<double>{1, 0, 0}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, fit.evaluateProbabilities(std::vector<double>{1, -0.1, 0, 0}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, fit.evaluateProbabilities(std::vector<double>{0, 0, 0, 0}));
}

void TestDistributionFit::rejectsBadInput() {
    QVERIFY_THROWS_EXCEPTION(flower::Error, divergencesOfCounts(std::vector<double>{1, 2}, std::vector<double>{1}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, divergencesOfCounts(std::vector<double>{1, -2}, std::vector<double>{1, 1}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, divergencesOfCounts(std::vector<double>{1, NAN}, std::vector<double>{1, 1}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, divergencesOfCounts(std::vector<double>{1, 0}, std::vector<double>{1, 0}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, DistributionFit({{1}}, {0.0}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, DistributionFit({{1}, {2}}, {1.0}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, DistributionFit({}, {}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, DistributionFit({{1}, {1}}, {1.0, 2.0}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, DistributionFit({{}}, {1.0}));
}

namespace {
struct Movies100 {
    Rq1Target target;
    std::vector<Ids> tokens;
};

std::optional<Movies100> loadMovies100(const std::filesystem::path& shared) {
    const auto tokPath = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(tokPath)) return std::nullopt;
    const auto tok = flower::text::Tokenizer::fromFile(tokPath);
    Movies100 m;
    m.target = readRq1Target(shared / "data/Movies_history_free/select_100_Movies.json");
    m.tokens = rq1TitleTokens(m.target, tok);
    return m;
}
}  // namespace

// select_100_Movies_token.json = Σ count × occurrences of each token of encode(title): the
// termination token 198 is not counted (with it, key "198" would hold 481,042).
void TestDistributionFit::moviesTargetTokenCountsMatchReference() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto m = loadMovies100(shared);
    if (!m) QSKIP("default tokenizer absent (scripts/setup.sh)");
    QCOMPARE(m->target.size(), std::size_t{100});
    QCOMPARE(m->target.total(), 481042.0);
    const DistributionFit fit(m->tokens, m->target.counts);
    std::ifstream in(shared / "data/Movies_history_free/select_100_Movies_token.json");
    const auto ref = nlohmann::json::parse(in);
    QCOMPARE(fit.targetTokenCounts().size(), ref.size());
    QCOMPARE(fit.targetTokenCounts().size(), std::size_t{318});
    for (const auto& [id, count] : fit.targetTokenCounts()) {
        const std::string key = std::to_string(id);
        QVERIFY2(ref.contains(key), ("reference lacks token " + key).c_str());
        QCOMPARE(count, ref.at(key).get<double>());
    }
    QVERIFY(!ref.contains("198"));
}

void TestDistributionFit::moviesTargetAgainstItselfIsZero() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto m = loadMovies100(shared);
    if (!m) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const DistributionFit fit(m->tokens, m->target.counts);
    std::vector<Ids> gen;
    for (std::size_t i = 0; i < m->tokens.size(); ++i) {
        for (int k = 0; k < static_cast<int>(m->target.counts[i]); ++k) gen.push_back(m->tokens[i]);
    }
    QCOMPARE(gen.size(), std::size_t{481042});
    const auto r = fit.evaluate(gen);
    QCOMPARE(r.outOfSet, std::int64_t{0});
    for (const Divergences& d : {r.title, r.token}) {
        QVERIFY2(std::abs(d.klTargetGenerated) < 1e-12, std::to_string(d.klTargetGenerated).c_str());
        QVERIFY2(std::abs(d.klGeneratedTarget) < 1e-12, std::to_string(d.klGeneratedTarget).c_str());
        QVERIFY2(std::abs(d.js) < 1e-12, std::to_string(d.js).c_str());
    }
}

// 64 samples of each of the 100 titles (6,400, the tuning-set size). No key is missing on
// either side at either level, so plain loops over normalised counts give the values.
void TestDistributionFit::moviesUniformGenerationMatchesPlainLoops() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto m = loadMovies100(shared);
    if (!m) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const DistributionFit fit(m->tokens, m->target.counts);
    std::vector<Ids> gen;
    for (int k = 0; k < 64; ++k) {
        for (const auto& t : m->tokens) gen.push_back(t);
    }
    const auto r = fit.evaluate(gen);
    QCOMPARE(r.titleCounts, std::vector<std::int64_t>(100, 64));

    // Title level: p = count / 481,042, q = 1/100.
    double klPQ = 0, klQP = 0;
    std::vector<double> p, q, mid;
    for (double c : m->target.counts) {
        const double pi = c / 481042.0, qi = 0.01;
        klPQ += pi * std::log(pi / qi);
        klQP += qi * std::log(qi / pi);
        p.push_back(pi), q.push_back(qi), mid.push_back((pi + qi) / 2);
    }
    const double js = entropy(mid) - (entropy(p) + entropy(q)) / 2;
    QVERIFY2(near(r.title.klTargetGenerated, klPQ, 1e-12), show(r.title.klTargetGenerated, klPQ).c_str());
    QVERIFY2(near(r.title.klGeneratedTarget, klQP, 1e-12), show(r.title.klGeneratedTarget, klQP).c_str());
    QVERIFY2(near(r.title.js, js, 1e-12), show(r.title.js, js).c_str());

    // Token level: target Σ count × occurrences; generated 64 × occurrences.
    std::map<TokenId, double> tc, gc;
    for (std::size_t i = 0; i < m->tokens.size(); ++i) {
        for (TokenId id : m->tokens[i]) tc[id] += m->target.counts[i], gc[id] += 64;
    }
    double tt = 0, gt = 0;
    for (const auto& [id, c] : tc) tt += c, gt += gc[id];
    double tk1 = 0, tk2 = 0;
    std::vector<double> tp, gp, tm;
    for (const auto& [id, c] : tc) {
        const double a = c / tt, b = gc[id] / gt;
        tk1 += a * std::log(a / b);
        tk2 += b * std::log(b / a);
        tp.push_back(a), gp.push_back(b), tm.push_back((a + b) / 2);
    }
    const double tjs = entropy(tm) - (entropy(tp) + entropy(gp)) / 2;
    QVERIFY2(near(r.token.klTargetGenerated, tk1, 1e-12), show(r.token.klTargetGenerated, tk1).c_str());
    QVERIFY2(near(r.token.klGeneratedTarget, tk2, 1e-12), show(r.token.klGeneratedTarget, tk2).c_str());
    QVERIFY2(near(r.token.js, tjs, 1e-12), show(r.token.js, tjs).c_str());
    std::printf("uniform over the 100 movies: title KL(T|R) %.6f KL(R|T) %.6f JS %.6f; token KL(T|R) "
                "%.6f KL(R|T) %.6f JS %.6f\n",
                r.title.klTargetGenerated, r.title.klGeneratedTarget, r.title.js,
                r.token.klTargetGenerated, r.token.klGeneratedTarget, r.token.js);
}

FLOWER_TEST_MAIN(TestDistributionFit, handCaseNoMissingKeys,
                 missingKeyCountsEpsilonBeforeNormalisation, identitiesOnRandomCounts, mapsAlignKeys,
                 titleAndTokenLevelOnTinyTargets, bucketPolicyKeepsOutOfSet,
                 probabilitiesAreTheLimitOfCounts, rejectsBadInput,
                 moviesTargetTokenCountsMatchReference, moviesTargetAgainstItselfIsZero,
                 moviesUniformGenerationMatchesPlainLoops)
#ifdef FLOWER_TEST_QT
#include "test_distribution_fit.moc"
#endif
