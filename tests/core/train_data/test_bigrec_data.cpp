// BigRecData: prompts (instruction and input tokenized separately, left-padded), targets (title
// alone + termination, right-padded), popularity groups, compact ids, bad rows; on Movies_and_TV
// with Qwen: the split prompt tokens equal the whole-prompt tokens, construction time, and the
// compact vocabulary of the corpus.
#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/text/vocabulary_map.h"
#include "core/train/bigrec_data.h"
#include "core/train/corpus_vocabulary.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <chrono>

using namespace flower::train;
using flower::data::InteractionRow;
using flower::text::PromptTemplate;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
flower::text::Tokenizer tinyTokenizer() {
    return flower::text::Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny");
}

InteractionRow row(std::vector<flower::data::ItemId> history, flower::data::ItemId target) {
    InteractionRow r;
    r.history = std::move(history);
    r.target = target;
    return r;
}

// Ids 0..4 = ab, xyz, c, d, e. Train histories [ab], [xyz, ab], [c, ab]: counts ab 3, xyz 1,
// c 1 → ranked ab, xyz, c → 3 groups of one: ab 0, xyz 1, c 2; d and e never in a history → −1.
flower::data::Dataset tinyDataset() {
    flower::data::Dataset d;
    d.catalog = flower::data::Catalog({"ab", "xyz", "c", "d", "e"});
    d.train = flower::data::InteractionSplit("train", {row({0}, 1), row({1, 0}, 3), row({2, 0}, 0)});
    d.valid = flower::data::InteractionSplit("valid", {row({0, 1, 2}, 2)});
    d.test = flower::data::InteractionSplit("test", {row({3}, 4)});
    return d;
}

Ids row(const at::Tensor& t, std::int64_t i) {
    const auto r = t[i].contiguous();
    return Ids(r.data_ptr<std::int64_t>(), r.data_ptr<std::int64_t>() + r.numel());
}

Ids concat(Ids a, const Ids& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
}  // namespace

class TestBigRecData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void promptsTargetsAndGroups();
    void batchPadsPromptsLeftTargetsRight();
    void compactIds();
    void rejectsRowsOutOfRange();
    void moviesAndTv();
};

void TestBigRecData::promptsTargetsAndGroups() {
    const auto tok = tinyTokenizer();
    const auto prompt = PromptTemplate::shortLayout();
    const auto d = tinyDataset();
    BigRecOptions o;
    o.termination = 10;
    o.groups = 3;
    const BigRecData data(d, tok, prompt, o);
    QCOMPARE(data.size(Split::Train), std::int64_t{3});
    QCOMPARE(data.size(Split::Valid), std::int64_t{1});
    // "History: xyz; ab\nNext: " (the short layout has an empty instruction part).
    const std::vector<std::string> h = {"xyz", "ab"};
    const auto p = data.promptIds(Split::Train, 1);
    QCOMPARE(Ids(p.begin(), p.end()), tok.encode("History: xyz; ab\nNext: "));
    const auto t = data.targetIds(Split::Train, 1);
    QCOMPARE(Ids(t.begin(), t.end()), (Ids{100, 10}));  // "d" + termination
    QCOMPARE(data.targetGroup(Split::Train, 0), std::int64_t{1});   // xyz
    QCOMPARE(data.targetGroup(Split::Train, 1), std::int64_t{-1});  // d: never in a history
    QCOMPARE(data.targetGroup(Split::Train, 2), std::int64_t{0});   // ab
    QCOMPARE(data.targetGroup(Split::Valid, 0), std::int64_t{2});   // c
    // BIGRec layout: instruction and input part tokenized separately, then concatenated.
    const BigRecData big(d, tok, PromptTemplate::bigRec(), o);
    const auto bp = big.promptIds(Split::Valid, 0);
    const std::vector<std::string> vh = {"ab", "xyz", "c"};
    QCOMPARE(Ids(bp.begin(), bp.end()),
             concat(tok.encode(PromptTemplate::bigRec().instructionPart()),
                    tok.encode(PromptTemplate::bigRec().inputPart(vh))));
}

void TestBigRecData::batchPadsPromptsLeftTargetsRight() {
    const auto tok = tinyTokenizer();
    BigRecOptions o;
    o.termination = 10;
    o.groups = 3;
    const BigRecData data(tinyDataset(), tok, PromptTemplate::shortLayout(), o);
    const std::vector<std::int64_t> rows = {0, 1};
    const TrainBatch b = data.batch(Split::Train, rows);
    const Ids p0 = tok.encode("History: ab\nNext: ");
    const Ids p1 = tok.encode("History: xyz; ab\nNext: ");
    QVERIFY(p1.size() > p0.size());
    const std::size_t pad = p1.size() - p0.size();
    Ids expected0(pad, 10);
    expected0.insert(expected0.end(), p0.begin(), p0.end());
    Ids mask0(pad, 0);
    mask0.resize(p1.size(), 1);
    QCOMPARE(row(b.promptIds, 0), expected0);
    QCOMPARE(row(b.promptMask, 0), mask0);
    QCOMPARE(row(b.promptIds, 1), p1);
    QCOMPARE(row(b.promptMask, 1), Ids(p1.size(), 1));
    QCOMPARE(row(b.targetIds, 0), (Ids{120, 121, 122, 10}));  // xyz
    QCOMPARE(row(b.targetIds, 1), (Ids{100, 10, 10, 10}));    // d, right-padded
    QCOMPARE(row(b.targetMask, 1), (Ids{1, 1, 0, 0}));
    QCOMPARE(b.targetGroup[0].item<std::int64_t>(), std::int64_t{1});
    QCOMPARE(b.targetGroup[1].item<std::int64_t>(), std::int64_t{-1});
    QCOMPARE(b.targetIds.scalar_type(), torch::kInt64);
}

void TestBigRecData::compactIds() {
    const auto tok = tinyTokenizer();
    const auto prompt = PromptTemplate::bigRec();
    const auto d = tinyDataset();
    const std::vector<TokenId> special = {300};
    const auto vocab = bigRecVocabulary(d, tok, prompt, 10, special);
    QVERIFY(vocab.tryCompact(300).has_value());
    QVERIFY(vocab.tryCompact(100).has_value());  // "d", a test-split history title
    BigRecOptions o;
    o.termination = 10;
    o.groups = 3;
    const BigRecData plain(d, tok, prompt, o);
    const BigRecData compact(d, tok, prompt, o, &vocab);
    for (std::int64_t r = 0; r < plain.size(Split::Train); ++r) {
        const auto a = plain.promptIds(Split::Train, r);
        const auto b = compact.promptIds(Split::Train, r);
        QCOMPARE(vocab.toCompact(Ids(a.begin(), a.end())), Ids(b.begin(), b.end()));
        const auto ta = plain.targetIds(Split::Train, r);
        const auto tb = compact.targetIds(Split::Train, r);
        QCOMPARE(vocab.toCompact(Ids(ta.begin(), ta.end())), Ids(tb.begin(), tb.end()));
    }
    // A vocabulary of another corpus lacks ids: an Error, not a silent remap.
    flower::text::VocabularyMap::Builder small(tok.idEnd());
    small.add(10);
    const auto tiny = small.build();
    QVERIFY_THROWS_EXCEPTION(flower::Error, BigRecData(d, tok, prompt, o, &tiny));
}

void TestBigRecData::rejectsRowsOutOfRange() {
    const auto tok = tinyTokenizer();
    BigRecOptions o;
    o.termination = 10;
    o.groups = 3;
    const BigRecData data(tinyDataset(), tok, PromptTemplate::shortLayout(), o);
    const std::vector<std::int64_t> rows = {3};
    const std::string e = flower::test::errorOf([&] { data.batch(Split::Train, rows); });
    QVERIFY2(flower::test::contains(e, "row 3 is outside the train split of 3 examples"), e.c_str());
    o.groups = 4;  // 3 distinct history titles
    QVERIFY_THROWS_EXCEPTION(flower::Error, BigRecData(tinyDataset(), tok, PromptTemplate::shortLayout(), o));
}

void TestBigRecData::moviesAndTv() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto tokPath = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(tokPath)) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const auto tok = flower::text::Tokenizer::fromFile(tokPath);
    const auto d = flower::data::loadDataset(shared / "data/Movies_and_TV");
    const auto prompt = PromptTemplate::bigRec("movies", "movie");
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const BigRecData data(d, tok, prompt);
    const auto t1 = Clock::now();
    const auto vocab = bigRecVocabulary(d, tok, prompt, 198);
    const auto t2 = Clock::now();
    const std::vector<TokenId> eos = {151643};
    const auto vocabEos = bigRecVocabulary(d, tok, prompt, 198, eos);
    const BigRecData compact(d, tok, prompt, {}, &vocab);
    const auto t3 = Clock::now();
    QCOMPARE(data.size(Split::Train), std::int64_t{21937});
    QCOMPARE(data.size(Split::Valid), std::int64_t{2742});
    // Tokenizing the two parts separately gives the whole prompt's ids on these rows.
    for (std::int64_t r = 0; r < 200; ++r) {
        const auto& row = d.train.rows()[static_cast<std::size_t>(r)];
        std::vector<std::string> h;
        for (auto id : row.history) h.push_back(d.catalog.title(id));
        const auto p = data.promptIds(Split::Train, r);
        QCOMPARE(Ids(p.begin(), p.end()), tok.encode(prompt.render(h)));
    }
    // Groups equal PopularityGroups of the target title.
    const flower::data::Popularity pop(d.catalog, d.train);
    const flower::data::PopularityGroups groups(pop, 8);
    std::int64_t outside = 0;
    for (std::int64_t r = 0; r < data.size(Split::Train); ++r) {
        const auto g = data.targetGroup(Split::Train, r);
        QCOMPARE(g, std::int64_t{groups.groupOf(d.catalog.title(d.train.rows()[static_cast<std::size_t>(r)].target))});
        outside += g < 0;
    }
    QCOMPARE(outside, std::int64_t{31});  // NOTES.md: 31 training targets are in no group
    const auto ms = [](auto a, auto b) {
        return std::chrono::duration<double, std::milli>(b - a).count();
    };
    std::printf("Movies_and_TV: BigRecData (24,679 rows) %.0f ms; bigRecVocabulary (+ test rows "
                "and catalogue) %.0f ms; compact vocabulary %zu ids (%zu with EOS 151643); "
                "BigRecData in compact ids %.0f ms\n",
                ms(t0, t1), ms(t1, t2), vocab.size(), vocabEos.size(), ms(t2, t3));
}

FLOWER_TEST_MAIN(TestBigRecData, promptsTargetsAndGroups, batchPadsPromptsLeftTargetsRight,
                 compactIds, rejectsRowsOutOfRange, moviesAndTv)
#ifdef FLOWER_TEST_QT
#include "test_bigrec_data.moc"
#endif
