// The recommendation metrics of core/eval on a hand-made catalogue of five titles in two
// popularity groups, every expected value computed by hand (worked in the comments): ranks with
// a repeated target, titles outside the catalogue and outside every group, K larger than the
// list, calc.py's normalisation and word splitting, the group-7 quirk, and Gini against the
// pairwise definition.
#include "core/eval/exposure_metrics.h"
#include "core/eval/group_fairness.h"
#include "core/eval/lexical_diversity.h"
#include "core/eval/recommendation_evaluation.h"
#include "core/eval/recommendation_metrics.h"
#include "core/eval/title_catalogue.h"
#include "core/eval/title_text.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

using namespace flower::eval;
using Lists = std::vector<std::vector<std::string>>;

namespace {

bool near(double a, double b) { return std::abs(a - b) <= 1e-12; }

// "t<i>", with append(): GCC 12 warns falsely (-Wrestrict) on `"t" + std::to_string(i)`.
std::string titleName(int i) { return std::string("t").append(std::to_string(i)); }

// Catalogue A B C D E (A under two ids), groups {A, B} (most popular) and {C, D}; E is in the
// catalogue but in no group; X is not in the catalogue. History shares 3/4, 1/4.
TitleCatalogue tinyCatalogue() {
    return TitleCatalogue({"A", "B", "C", "D", "E", "A"}, {{"A", "B"}, {"C", "D"}}, {0.75, 0.25},
                          {0.5, 0.5});
}

// Rows as written (row 3 needs calc.py's stripping to read "A"); normalised lists below.
std::vector<RecommendationRow> tinyRows() {
    return {{{"A", "B", "C"}, "B\n", false},
            {{"C", "A", "C"}, "C", false},   // the target twice: rank 2 (last), or 0 (first)
            {{"X", "E", "D"}, "Z", false},   // a miss; X outside the catalogue, E in no group
            {{" \"A\": ", "D", "E"}, "\"A\"", true}};
}

Lists tinyLists() { return {{"A", "B", "C"}, {"C", "A", "C"}, {"X", "E", "D"}, {"A", "D", "E"}}; }

}  // namespace

class TestRecommendationMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void normalisationIsCalcPys();
    void wordsSplitOnUnicodeWhiteSpace();
    void accuracyByHand();
    void firstMatchRule();
    void groupFairnessByHand();
    void groupSevenQuirkResetsTheCount();
    void lexicalDiversityByHand();
    void exposureByHandAndPairwise();
    void reportAndStoreNames();
    void rejectsBadInput();
};

void TestRecommendationMetrics::normalisationIsCalcPys() {
    QCOMPARE(normaliseGeneratedTitle(" \"A\": "), std::string("A"));  // ': \n', then quotes
    QCOMPARE(normaliseGeneratedTitle("Alien: \n"), std::string("Alien"));
    QCOMPARE(normaliseGeneratedTitle("\" Heat \""), std::string("Heat"));
    // Only the ends: inner colons and quotes stay.
    QCOMPARE(normaliseGeneratedTitle("Star Wars: \"Episode\" IV"), std::string("Star Wars: \"Episode\" IV"));
    // Python chains strip() calls: "\" x\"" → strip('"') → " x" → strip(" ") → "x", but a
    // quote left inside after the first pass stays: ":\"\n x \"" → "\"\n x \"" → … → "\n x".
    QCOMPARE(normaliseGeneratedTitle(":\"\n x \""), std::string("\n x"));
    QCOMPARE(normaliseTargetTitle(" Heat \n"), std::string("Heat"));
    QCOMPARE(normaliseTargetTitle("\"Heat\"\n"), std::string("\"Heat\""));  // quotes stay
    QCOMPARE(normaliseListTargetTitle("\"Heat\""), std::string("Heat"));
    QCOMPARE(normaliseListTargetTitle("\"Heat\" "), std::string("Heat\""));  // strip('"') first
    QCOMPARE(normaliseCatalogueTitle("\" Heat\n\""), std::string("Heat"));
    QCOMPARE(std::string(stripChars("::", ": ")), std::string());
}

void TestRecommendationMetrics::wordsSplitOnUnicodeWhiteSpace() {
    // Tab, no-break space (U+00A0), ideographic space (U+3000), runs, a trailing "\n".
    const auto w = titleWords("The  Lord\tof\xC2\xA0the\xE3\x80\x80Rings \n");
    const std::vector<std::string_view> expected = {"The", "Lord", "of", "the", "Rings"};
    QVERIFY(w == expected);
    // é (U+00E9, C3 A9) and an em dash (U+2014, E2 80 94) are not white space.
    QCOMPARE(titleWords("Am\xC3\xA9lie \xE2\x80\x94 X").size(), std::size_t{3});
    QVERIFY(titleWords("  \n").empty());
}

// Ranks (0-based, last match): 1, 2, none, 0.
//   HR@1 = 1/4, HR@2 = 2/4, HR@5 = 3/4 (K 5 > 3 titles: the whole list)
//   NDCG@1 = 1/4, NDCG@2 = (1 + 1/log2 3)/4, NDCG@5 = (1 + 1/log2 3 + 1/log2 4)/4
void TestRecommendationMetrics::accuracyByHand() {
    const std::vector<std::string> targets = {"B", "C", "Z", "A"};
    const std::vector<int> ks = {1, 2, 5};
    const AccuracyAtK a = accuracyAtK(tinyLists(), targets, ks);
    QVERIFY(a.ranks == (std::vector<int>{1, 2, -1, 0}));
    QVERIFY(near(a.hr[0], 0.25) && near(a.hr[1], 0.5) && near(a.hr[2], 0.75));
    QVERIFY(near(a.ndcg[0], 0.25));
    QVERIFY(near(a.ndcg[1], (1 + 1 / std::log2(3.0)) / 4));
    QVERIFY(near(a.ndcg[2], (1 + 1 / std::log2(3.0) + 0.5) / 4));
    // Through the report: rows as written give the same (normalisation, list target).
    MetricsOptions o;
    o.ks = ks;
    const auto r = evaluateRecommendations(tinyRows(), tinyCatalogue(), o);
    QVERIFY(r.accuracy.ranks == a.ranks);
    QVERIFY(r.accuracy.ndcg == a.ndcg);
}

void TestRecommendationMetrics::firstMatchRule() {
    const std::vector<std::string> targets = {"B", "C", "Z", "A"};
    const std::vector<int> ks = {1};
    const AccuracyAtK a = accuracyAtK(tinyLists(), targets, ks, MatchRule::First);
    QVERIFY(a.ranks == (std::vector<int>{1, 0, -1, 0}));
    QVERIFY(near(a.hr[0], 0.5) && near(a.ndcg[0], 0.5));
}

// K = 3: g0 gets A B A A = 4, g1 gets C C C E D D E = 7 (E: no group → last), X not counted.
//   shares 4/11, 7/11; d = 4/11 − 3/4, 7/11 − 1/4 = ∓17/44; DGU = 17/22, MGU = 17/44;
//   tail (⌈3·2/8⌉ = 1 group) = 7/11.
// K = 1: A C X A → 2, 1; d = −1/12, 1/12; DGU = 1/6, MGU = 1/12.
void TestRecommendationMetrics::groupFairnessByHand() {
    const auto cat = tinyCatalogue();
    const GroupFairness f = groupFairness(tinyLists(), 3, cat);
    QVERIFY(f.counts == (std::vector<std::int64_t>{4, 7}));
    QCOMPARE(f.outsideGroups, std::int64_t{2});
    QCOMPARE(f.outsideCatalogue, std::int64_t{1});
    QVERIFY(near(f.shares[0], 4.0 / 11) && near(f.shares[1], 7.0 / 11));
    QVERIFY(near(f.dgu, 17.0 / 22) && near(f.mgu, 17.0 / 44));
    QVERIFY(near(f.tailShare, 7.0 / 11));
    const GroupFairness one = groupFairness(tinyLists(), 1, cat);
    QVERIFY(near(one.dgu, 1.0 / 6) && near(one.mgu, 1.0 / 12));
    // K beyond the lists = the whole lists.
    QVERIFY(groupFairness(tinyLists(), 50, cat).counts == f.counts);
    QCOMPARE(tailGroupCount(8), 3);
}

// calc.py's `group_num['7'] = 1`, in list order: … r1 ends with g1 = 3; r2: E → 1, D → 2;
// r3: A (g0 = 4), D → 3, E → 1. Counts 4, 1: shares 0.8, 0.2; d = ±0.05; DGU 0.1, MGU 0.05.
void TestRecommendationMetrics::groupSevenQuirkResetsTheCount() {
    GroupFairnessOptions o;
    o.referenceGroup7Assign = true;
    const GroupFairness f = groupFairness(tinyLists(), 3, tinyCatalogue(), o);
    QVERIFY(f.counts == (std::vector<std::int64_t>{4, 1}));
    QVERIFY(near(f.dgu, 0.1) && near(f.mgu, 0.05));
    MetricsOptions m;
    m.enableQuirk("group7_assign");
    QVERIFY(m.groups.referenceGroup7Assign);
    QVERIFY(m.enabledQuirks() == std::vector<std::string>{"group7_assign"});
}

// Words (one per title): A×3 B C×3 X E×2 D×2 = 12; H = 2·(1/4·2) + 2·(1/12·log2 12) +
// 2·(1/6·log2 6) = 1 + log2(12)/6 + log2(6)/3; TTR = 6/12; 6 distinct titles; CC = 1.
void TestRecommendationMetrics::lexicalDiversityByHand() {
    const LexicalDiversity d = lexicalDiversity(tinyLists(), tinyCatalogue());
    QCOMPARE(d.words, std::int64_t{12});
    QCOMPARE(d.distinctWords, std::int64_t{6});
    QVERIFY(near(d.entropyBits, 1 + std::log2(12.0) / 6 + std::log2(6.0) / 3));
    QVERIFY(near(d.ttr, 0.5));
    QCOMPARE(d.distinctTitles, std::int64_t{6});
    QCOMPARE(d.outsideCatalogue, std::int64_t{1});
    // Multi-word titles: "a b", "b c" → a 1, b 2, c 1: H = 1.5 bits, TTR = 3/4.
    const Lists words = {{"a b", "b c"}};
    const LexicalDiversity w = lexicalDiversity(words, tinyCatalogue());
    QVERIFY(near(w.entropyBits, 1.5) && near(w.ttr, 0.75));
    QCOMPARE(w.outsideCatalogue, std::int64_t{2});
}

// K = 3: exposures A 3, B 1, C 3, D 2, E 2 (5 items, X not one): coverage 1,
//   Gini = Σ(2i − 6)e_(i) / (5·11) over [1, 2, 2, 3, 3] = 10/55 = 2/11.
// K = 1: A 2, C 1: coverage 2/5, Gini over [0, 0, 0, 1, 2] = 10/15 = 2/3.
void TestRecommendationMetrics::exposureByHandAndPairwise() {
    const auto cat = tinyCatalogue();
    const ExposureMetrics e = exposureMetrics(tinyLists(), 3, cat);
    QCOMPARE(e.items, std::int64_t{5});
    QVERIFY(near(e.coverage, 1.0) && near(e.gini, 2.0 / 11));
    const ExposureMetrics one = exposureMetrics(tinyLists(), 1, cat);
    QVERIFY(near(one.coverage, 0.4) && near(one.gini, 2.0 / 3));
    // The pairwise definition Σ_i Σ_j |e_i − e_j| / (2 n Σ e) on a bigger random-ish case.
    std::vector<std::string> titles;
    for (int i = 0; i < 30; ++i) titles.push_back(titleName(i));
    const TitleCatalogue big(titles, {titles}, {1.0}, {1.0});
    Lists lists;
    std::map<std::string, int> count;
    for (int r = 0; r < 40; ++r) {
        std::vector<std::string> l;
        for (int i = 0; i < 5; ++i) {
            l.push_back(titleName((r * r + 3 * i * r + i) % 23));
            ++count[l.back()];
        }
        lists.push_back(l);
    }
    double pair = 0.0, total = 0.0;
    for (const auto& a : titles) {
        total += count[a];
        for (const auto& b : titles) pair += std::abs(count[a] - count[b]);
    }
    const ExposureMetrics g = exposureMetrics(lists, 5, big);
    QVERIFY2(near(g.gini, pair / (2 * 30 * total)), std::to_string(g.gini).c_str());
    const auto covered = std::count_if(count.begin(), count.end(), [](const auto& c) { return c.second > 0; });
    QVERIFY(near(g.coverage, static_cast<double>(covered) / 30));
}

void TestRecommendationMetrics::reportAndStoreNames() {
    MetricsOptions o;
    o.ks = {1, 3};
    const auto r = evaluateRecommendations(tinyRows(), tinyCatalogue(), o);
    QCOMPARE(r.rows, std::int64_t{4});
    QCOMPARE(r.listLength, std::size_t{3});
    std::map<std::pair<std::string, int>, double> stored;
    for (const auto& m : storedMetrics(r)) stored[{m.metric, m.k}] = m.value;
    QVERIFY(near(stored.at({"hr", 1}), 0.25));
    QVERIFY(near(stored.at({"dgu", 3}), 17.0 / 22));
    QVERIFY(near(stored.at({"mgu", 1}), 1.0 / 12));
    QVERIFY(near(stored.at({"entropy", 0}), 1 + std::log2(12.0) / 6 + std::log2(6.0) / 3));
    QVERIFY(near(stored.at({"ttr", 0}), 0.5));
    QVERIFY(near(stored.at({"cc", 0}), 1));
    QVERIFY(near(stored.at({"distinct_titles", 0}), 6));
    QVERIFY(near(stored.at({"gini", 3}), 2.0 / 11));
    QVERIFY(near(stored.at({"coverage", 1}), 0.4));
    QVERIFY(near(stored.at({"tail_share", 3}), 7.0 / 11));
    const auto h = groupHistograms(r);
    QCOMPARE(h.size(), std::size_t{3});
    QCOMPARE(h[0].kind, std::string("groups_recommended"));
    QVERIFY(near(h[0].bins[1], 7.0 / 11));
    QCOMPARE(h[1].kind, std::string("groups_history"));
    QVERIFY(h[1].bins == (std::vector<double>{0.75, 0.25}));
    QCOMPARE(h[2].kind, std::string("groups_target"));
    const auto j = reportJson(r);
    QVERIFY(near(j.at("DGU@3").get<double>(), 17.0 / 22));
    QCOMPARE(j.at("CC").get<int>(), 1);
}

void TestRecommendationMetrics::rejectsBadInput() {
    const auto cat = tinyCatalogue();
    MetricsOptions o;
    o.ks = {};
    QVERIFY_THROWS_EXCEPTION(flower::Error, evaluateRecommendations(tinyRows(), cat, o));
    o.ks = {0};
    QVERIFY_THROWS_EXCEPTION(flower::Error, evaluateRecommendations(tinyRows(), cat, o));
    QVERIFY_THROWS_EXCEPTION(flower::Error, evaluateRecommendations({}, cat));
    QVERIFY_THROWS_EXCEPTION(flower::Error, MetricsOptions().enableQuirk("group_num"));
    const std::vector<std::string> oneTarget = {"A"};
    const std::vector<int> ks = {1};
    QVERIFY_THROWS_EXCEPTION(flower::Error, accuracyAtK(tinyLists(), oneTarget, ks));
    QVERIFY_THROWS_EXCEPTION(flower::Error,
                             TitleCatalogue({"A"}, {{"A"}, {"B"}}, {1.0}, {0.5, 0.5}));
}

FLOWER_TEST_MAIN(TestRecommendationMetrics, normalisationIsCalcPys, wordsSplitOnUnicodeWhiteSpace,
                 accuracyByHand, firstMatchRule, groupFairnessByHand, groupSevenQuirkResetsTheCount,
                 lexicalDiversityByHand, exposureByHandAndPairwise, reportAndStoreNames,
                 rejectsBadInput)
#ifdef FLOWER_TEST_QT
#include "test_recommendation_metrics.moc"
#endif
