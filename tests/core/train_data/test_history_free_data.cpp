// HistoryFreeData: the RQ1 tuning set — one fixed prompt, targets drawn by count (i.i.d. as the
// reference's random.choices, or by largest-remainder quota), the 95/5 split of the reference's
// GFN data module, collation, compact ids, bad input; on the Movies 100 target with Qwen.
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/corpus_vocabulary.h"
#include "core/train/history_free_data.h"
#include "core/train/rq1_target.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <cmath>

using namespace flower::train;
using flower::text::PromptTemplate;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
flower::text::Tokenizer tinyTokenizer() {
    return flower::text::Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny");
}

// Tiny tokenizer: "ab" → [256], "xyz" → [120, 121, 122]; "\n" is byte 10.
Rq1Target tinyTarget() { return Rq1Target{{"ab", "xyz"}, {3, 1}, "test"}; }

Ids row(const at::Tensor& t, std::int64_t i) {
    const auto r = t[i].contiguous();
    return Ids(r.data_ptr<std::int64_t>(), r.data_ptr<std::int64_t>() + r.numel());
}

std::vector<int> histogram(const std::vector<std::int32_t>& titles, std::size_t n) {
    std::vector<int> h(n, 0);
    for (auto t : titles) ++h[static_cast<std::size_t>(t)];
    return h;
}
}  // namespace

class TestHistoryFreeData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void promptAndTargets();
    void splitAsTheReference();
    void iidDrawFollowsCounts();
    void proportionalQuotas();
    void compactIds();
    void rejectsBadOptions();
    void rejectsRowsOutOfRange();
    void rejectsTokensOutsideTheVocabulary();
    void movies100();
};

void TestHistoryFreeData::promptAndTargets() {
    const auto tok = tinyTokenizer();
    const auto prompt = PromptTemplate::historyFree("movie");
    HistoryFreeOptions o;
    o.examples = 40;
    o.termination = 10;
    const HistoryFreeData data(tinyTarget(), tok, prompt, o);
    const Ids promptIds = tok.encode(prompt.render({}));
    QCOMPARE(Ids(data.promptIds().begin(), data.promptIds().end()), promptIds);
    QCOMPARE(Ids(data.titleTarget(0).begin(), data.titleTarget(0).end()), (Ids{256, 10}));
    QCOMPARE(Ids(data.titleTarget(1).begin(), data.titleTarget(1).end()), (Ids{120, 121, 122, 10}));
    // Find one train row of each title and batch them: targets right-padded with 10.
    std::int64_t ab = -1, xyz = -1;
    for (std::int64_t r = 0; r < data.size(Split::Train); ++r) {
        (data.titleOf(Split::Train, r) == 0 ? ab : xyz) = r;
    }
    QVERIFY(ab >= 0 && xyz >= 0);
    const std::vector<std::int64_t> rows = {ab, xyz};
    const TrainBatch b = data.batch(Split::Train, rows);
    const auto p = static_cast<std::int64_t>(promptIds.size());
    QCOMPARE(b.promptIds.sizes().vec(), (std::vector<std::int64_t>{2, p}));
    QCOMPARE(b.promptIds.scalar_type(), torch::kInt64);
    QCOMPARE(row(b.promptIds, 0), promptIds);
    QCOMPARE(row(b.promptIds, 1), promptIds);
    QCOMPARE(b.promptMask.sum().item<std::int64_t>(), 2 * p);
    QCOMPARE(row(b.targetIds, 0), (Ids{256, 10, 10, 10}));
    QCOMPARE(row(b.targetMask, 0), (Ids{1, 1, 0, 0}));
    QCOMPARE(row(b.targetIds, 1), (Ids{120, 121, 122, 10}));
    QCOMPARE(row(b.targetMask, 1), (Ids{1, 1, 1, 1}));
    QCOMPARE(b.targetGroup.sizes().vec(), (std::vector<std::int64_t>{2}));
    QCOMPARE(b.targetGroup.eq(-1).all().item<bool>(), true);
    QCOMPARE(b.rows, rows);
}

// gfn/lightning_data.py: num_train = int(len(prompts) * 0.95) → 6,080 of 6,400; 38 of 40.
void TestHistoryFreeData::splitAsTheReference() {
    const auto tok = tinyTokenizer();
    HistoryFreeOptions o;
    o.termination = 10;
    const HistoryFreeData d(tinyTarget(), tok, PromptTemplate::historyFree(), o);
    QCOMPARE(d.size(Split::Train), std::int64_t{6080});
    QCOMPARE(d.size(Split::Valid), std::int64_t{320});
    o.examples = 40;
    const HistoryFreeData small(tinyTarget(), tok, PromptTemplate::historyFree(), o);
    QCOMPARE(small.size(Split::Train), std::int64_t{38});
    QCOMPARE(small.size(Split::Valid), std::int64_t{2});
    // Valid rows continue the draw after the train rows.
    const auto all = drawHistoryFreeTitles(std::vector<double>{3, 1}, o);
    QCOMPARE(small.titleOf(Split::Valid, 1), all[39]);
    QCOMPARE(small.titleOf(Split::Train, 5), all[5]);
}

// P(title 0) = 3/4; 40,000 draws: σ = √(¾·¼/40000) ≈ 0.0022, allow 5σ.
void TestHistoryFreeData::iidDrawFollowsCounts() {
    HistoryFreeOptions o;
    o.examples = 40000;
    o.seed = 3;
    const std::vector<double> counts = {3, 1};
    const auto a = drawHistoryFreeTitles(counts, o);
    const double share = histogram(a, 2)[0] / 40000.0;
    QVERIFY2(std::abs(share - 0.75) < 0.011, std::to_string(share).c_str());
    QCOMPARE(drawHistoryFreeTitles(counts, o), a);  // same seed, same set
    o.seed = 4;
    QVERIFY(drawHistoryFreeTitles(counts, o) != a);
}

// 8 rows for counts (3, 1): quotas 6, 2. 10 rows for (1, 1, 1): 3⅓ each → floors 3, 3, 3 and
// the one remaining row to the earliest of the equal remainders → 4, 3, 3.
void TestHistoryFreeData::proportionalQuotas() {
    HistoryFreeOptions o;
    o.sampling = TargetSampling::Proportional;
    o.examples = 8;
    QCOMPARE(histogram(drawHistoryFreeTitles(std::vector<double>{3, 1}, o), 2), (std::vector<int>{6, 2}));
    o.examples = 10;
    QCOMPARE(histogram(drawHistoryFreeTitles(std::vector<double>{1, 1, 1}, o), 3), (std::vector<int>{4, 3, 3}));
    // 7 rows for (5, 2, 1) of 8: exact 4.375, 1.75, 0.875 → 4, 1, 0 + remainders .875 (title 2),
    // .75 (title 1) → 4, 2, 1.
    o.examples = 7;
    QCOMPARE(histogram(drawHistoryFreeTitles(std::vector<double>{5, 2, 1}, o), 3), (std::vector<int>{4, 2, 1}));
}

void TestHistoryFreeData::compactIds() {
    const auto tok = tinyTokenizer();
    const auto prompt = PromptTemplate::historyFree();
    const auto vocab = historyFreeVocabulary(tinyTarget(), tok, prompt, 10);
    HistoryFreeOptions o;
    o.examples = 20;
    o.termination = 10;
    const HistoryFreeData d(tinyTarget(), tok, prompt, o, &vocab);
    QCOMPARE(Ids(d.promptIds().begin(), d.promptIds().end()), vocab.toCompact(tok.encode(prompt.render({}))));
    QCOMPARE(Ids(d.titleTarget(1).begin(), d.titleTarget(1).end()),
             (Ids{vocab.toCompact(120), vocab.toCompact(121), vocab.toCompact(122), vocab.toCompact(10)}));
    // Every id of a batch is a compact id.
    const std::vector<std::int64_t> rows = {0, 1, 2, 3};
    const TrainBatch b = d.batch(Split::Train, rows);
    QVERIFY(b.promptIds.max().item<std::int64_t>() < static_cast<std::int64_t>(vocab.size()));
    QVERIFY(b.targetIds.max().item<std::int64_t>() < static_cast<std::int64_t>(vocab.size()));
}

void TestHistoryFreeData::rejectsBadOptions() {
    const auto tok = tinyTokenizer();
    HistoryFreeOptions o;
    o.examples = 0;
    std::string e = flower::test::errorOf([&] { HistoryFreeData(tinyTarget(), tok, PromptTemplate::historyFree(), o); });
    QVERIFY2(flower::test::contains(e, "field examples"), e.c_str());
    o.examples = 10;
    o.trainFraction = 1.5;
    e = flower::test::errorOf([&] { HistoryFreeData(tinyTarget(), tok, PromptTemplate::historyFree(), o); });
    QVERIFY2(flower::test::contains(e, "field train_fraction"), e.c_str());
    o.trainFraction = 0.0;
    QVERIFY_THROWS_EXCEPTION(flower::Error, HistoryFreeData(tinyTarget(), tok, PromptTemplate::historyFree(), o));
    o.trainFraction = 0.5;
    QVERIFY_THROWS_EXCEPTION(flower::Error, HistoryFreeData(Rq1Target{}, tok, PromptTemplate::historyFree(), o));
}

void TestHistoryFreeData::rejectsRowsOutOfRange() {
    const auto tok = tinyTokenizer();
    HistoryFreeOptions o;
    o.examples = 10;
    o.termination = 10;
    const HistoryFreeData d(tinyTarget(), tok, PromptTemplate::historyFree(), o);
    const std::vector<std::int64_t> rows = {0, 1};  // valid has 10 − int(9.5) = 1 row
    const std::string e = flower::test::errorOf([&] { d.batch(Split::Valid, rows); });
    QVERIFY2(flower::test::contains(e, "row 1 is outside the valid split of 1 examples"), e.c_str());
}

void TestHistoryFreeData::rejectsTokensOutsideTheVocabulary() {
    const auto tok = tinyTokenizer();
    const auto prompt = PromptTemplate::historyFree();
    const auto vocab = historyFreeVocabulary(Rq1Target{{"ab"}, {1}, "t"}, tok, prompt, 10);
    HistoryFreeOptions o;
    o.examples = 10;
    o.termination = 10;
    QVERIFY_THROWS_EXCEPTION(flower::Error, HistoryFreeData(Rq1Target{{"ab", "ZJ"}, {1, 1}, "t"}, tok, prompt, o, &vocab));
}

void TestHistoryFreeData::movies100() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto tokPath = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(tokPath)) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const auto tok = flower::text::Tokenizer::fromFile(tokPath);
    const Rq1Target t = readRq1Target(shared / "data/Movies_history_free/select_100_Movies.json");
    const auto prompt = PromptTemplate::historyFree("movie");
    const HistoryFreeData d(t, tok, prompt, HistoryFreeOptions{});
    QCOMPARE(d.size(Split::Train) + d.size(Split::Valid), std::int64_t{6400});
    QCOMPARE(Ids(d.titleTarget(0).begin(), d.titleTarget(0).end()).back(), TokenId{198});
    // Share of the most popular title (25,098 / 481,042 = 0.0522) among the 6,080 train rows:
    // σ ≈ 0.0029, allow 5σ.
    int first = 0;
    for (std::int64_t r = 0; r < d.size(Split::Train); ++r) first += d.titleOf(Split::Train, r) == 0;
    const double share = first / 6080.0;
    QVERIFY2(std::abs(share - 25098.0 / 481042.0) < 0.015, std::to_string(share).c_str());
    const auto vocab = historyFreeVocabulary(t, tok, prompt, 198);
    std::printf("history-free prompt: %zu Qwen tokens; Movies 100 compact vocabulary: %zu ids\n",
                d.promptIds().size(), vocab.size());
}

FLOWER_TEST_MAIN(TestHistoryFreeData, promptAndTargets, splitAsTheReference, iidDrawFollowsCounts,
                 proportionalQuotas, compactIds, rejectsBadOptions, rejectsRowsOutOfRange,
                 rejectsTokensOutsideTheVocabulary, movies100)
#ifdef FLOWER_TEST_QT
#include "test_history_free_data.moc"
#endif
