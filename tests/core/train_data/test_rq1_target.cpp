// Rq1Target: {title: count} files (one test per bad input), the history-count rule for datasets
// without a target file, and the Movies 100 target.
#include "core/data/dataset.h"
#include "core/data/synthetic_catalog.h"
#include "core/train/rq1_target.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <map>

using namespace flower::train;
using flower::test::contains;
using flower::test::errorOf;
using flower::test::TempDir;

namespace {
flower::data::InteractionRow row(std::vector<flower::data::ItemId> history, flower::data::ItemId target) {
    flower::data::InteractionRow r;
    r.history = std::move(history);
    r.target = target;
    return r;
}

// Ids 0..3 = A B C D. Histories [B, A], [A, C, A] → counts B 1, A 3, C 1 (first appearance
// order B, A, C); D is only a target, so it is not in the set.
flower::data::Dataset tinyDataset() {
    flower::data::Dataset d;
    d.catalog = flower::data::Catalog({"A", "B", "C", "D"});
    d.train = flower::data::InteractionSplit("train", {row({1, 0}, 2), row({0, 2, 0}, 3)});
    d.valid = flower::data::InteractionSplit("valid", {row({1}, 3)});
    d.test = d.valid;
    return d;
}

std::string readError(const std::string& content) {
    TempDir dir("rq1target");
    const auto file = dir.write("t.json", content);
    return errorOf([&] { readRq1Target(file); });
}
}  // namespace

class TestRq1Target : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTitlesInFileOrder();
    void missingFileIsAnError();
    void invalidJsonIsAnError();
    void notAnObjectIsAnError();
    void emptyObjectIsAnError();
    void zeroCountIsAnError();
    void negativeCountIsAnError();
    void stringCountIsAnError();
    void duplicateTitleIsAnError();
    void emptyTitleIsAnError();
    void historyCountsOfADataset();
    void resolveRule();
    void syntheticExperimentTarget();
    void movies100();
};

void TestRq1Target::readsTitlesInFileOrder() {
    TempDir dir("rq1target");
    const auto file = dir.write("t.json", R"({"Zed": 2, "Alpha": 1.5})");
    const Rq1Target t = readRq1Target(file);
    QCOMPARE(t.titles, (std::vector<std::string>{"Zed", "Alpha"}));
    QCOMPARE(t.counts, (std::vector<double>{2.0, 1.5}));
    QCOMPARE(t.total(), 3.5);
    QCOMPARE(t.source, file.string());
}

void TestRq1Target::missingFileIsAnError() {
    const std::string e = errorOf([] { readRq1Target("/nonexistent/t.json"); });
    QVERIFY2(contains(e, "/nonexistent/t.json") && contains(e, "cannot open"), e.c_str());
}

void TestRq1Target::invalidJsonIsAnError() {
    const std::string e = readError("{\"A\": 1,");
    QVERIFY2(contains(e, "t.json") && contains(e, "invalid JSON"), e.c_str());
}

void TestRq1Target::notAnObjectIsAnError() {
    const std::string e = readError("[1, 2]");
    QVERIFY2(contains(e, "expected an object {title: count}, found array"), e.c_str());
}

void TestRq1Target::emptyObjectIsAnError() {
    const std::string e = readError("{}");
    QVERIFY2(contains(e, "expected at least one title"), e.c_str());
}

void TestRq1Target::zeroCountIsAnError() {
    const std::string e = readError(R"({"A": 1, "B": 0})");
    QVERIFY2(contains(e, "field \"B\": expected a count > 0, found 0"), e.c_str());
}

void TestRq1Target::negativeCountIsAnError() {
    const std::string e = readError(R"({"A": -3})");
    QVERIFY2(contains(e, "field \"A\": expected a count > 0, found -3"), e.c_str());
}

void TestRq1Target::stringCountIsAnError() {
    const std::string e = readError(R"({"A": "3"})");
    QVERIFY2(contains(e, "field \"A\": expected a count > 0, found \"3\""), e.c_str());
}

void TestRq1Target::duplicateTitleIsAnError() {
    const std::string e = readError(R"({"A": 1, "B": 2, "A": 3})");
    QVERIFY2(contains(e, "field \"A\": title given twice"), e.c_str());
}

void TestRq1Target::emptyTitleIsAnError() {
    const std::string e = readError(R"({"": 1})");
    QVERIFY2(contains(e, "empty title"), e.c_str());
}

void TestRq1Target::historyCountsOfADataset() {
    const Rq1Target t = rq1TargetFromHistories(tinyDataset());
    QCOMPARE(t.titles, (std::vector<std::string>{"B", "A", "C"}));
    QCOMPARE(t.counts, (std::vector<double>{1, 3, 1}));
    QCOMPARE(t.source, std::string("training histories"));
}

void TestRq1Target::resolveRule() {
    const auto d = tinyDataset();
    QCOMPARE(resolveRq1Target("", "", &d).titles, (std::vector<std::string>{"B", "A", "C"}));
    const std::string e = errorOf([&] { resolveRq1Target("t.json", "", &d); });
    QVERIFY2(contains(e, "field rq1_target") && contains(e, "synthetic"), e.c_str());
    const std::string none = errorOf([&] { resolveRq1Target("", "", nullptr); });
    QVERIFY2(contains(none, "field rq1_target") && contains(none, "no dataset"), none.c_str());
    TempDir dir("rq1resolve");
    dir.write("t.json", R"({"C": 4})");
    QCOMPARE(resolveRq1Target("t.json", dir.path(), nullptr).counts, (std::vector<double>{4}));
    QCOMPARE(resolveRq1Target((dir.path() / "t.json").string(), "", nullptr).titles,
             (std::vector<std::string>{"C"}));
}

// experiments/rq1-synthetic.json: synthetic:items=100,users=2000,seed=7,zipf=1.1 fits its own
// history counts: each title's count equals a plain count over the train histories.
void TestRq1Target::syntheticExperimentTarget() {
    flower::data::SyntheticConfig c;
    c.items = 100;
    c.users = 2000;
    c.seed = 7;
    c.zipf = 1.1;
    const auto s = flower::data::generateSynthetic(c);
    const Rq1Target t = resolveRq1Target("", "", &s.dataset);
    std::map<std::string, double> counts;
    double positions = 0;
    for (const auto& r : s.dataset.train.rows()) {
        for (auto id : r.history) counts[s.dataset.catalog.title(id)] += 1, positions += 1;
    }
    QCOMPARE(t.size(), counts.size());
    QCOMPARE(t.total(), positions);
    for (std::size_t i = 0; i < t.size(); ++i) QCOMPARE(t.counts[i], counts.at(t.titles[i]));
    std::printf("rq1-synthetic target: %zu titles (of %zu distinct catalogue titles), %.0f history "
                "positions, largest count %.0f\n",
                t.size(), s.dataset.catalog.distinctTitles(), t.total(),
                *std::max_element(t.counts.begin(), t.counts.end()));
}

void TestRq1Target::movies100() {
    FLOWER_REQUIRE_SHARED(shared);
    const Rq1Target t = readRq1Target(shared / "data/Movies_history_free/select_100_Movies.json");
    QCOMPARE(t.size(), std::size_t{100});
    QCOMPARE(t.titles.front(), std::string("Star Wars: Episode VI - Return of the Jedi"));
    QCOMPARE(t.counts.front(), 25098.0);
    QCOMPARE(t.total(), 481042.0);
}

FLOWER_TEST_MAIN(TestRq1Target, readsTitlesInFileOrder, missingFileIsAnError, invalidJsonIsAnError,
                 notAnObjectIsAnError, emptyObjectIsAnError, zeroCountIsAnError,
                 negativeCountIsAnError, stringCountIsAnError, duplicateTitleIsAnError,
                 emptyTitleIsAnError, historyCountsOfADataset, resolveRule,
                 syntheticExperimentTarget, movies100)
#ifdef FLOWER_TEST_QT
#include "test_rq1_target.moc"
#endif
