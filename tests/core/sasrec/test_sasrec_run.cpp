// SASRec as a run of the store: its fairness/diversity figures from each row's top-1 item
// (against values computed by hand on a nine-item catalogue), what runSasRec stores (those
// figures at k = 1, the group histograms, the note, a complete SASRec row in the paper table),
// findSasRecRun's matching (dataset, seed, settings), and `flower resume` on a sasrec run
// refused with a message that says what to do.
#include "core/data/dataset.h"
#include "core/data/synthetic_catalog.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/sasrec/sasrec_run.h"
#include "core/sasrec/sasrec_scores.h"
#include "core/sasrec/top_item_evaluation.h"
#include "core/store/run_store.h"
#include "core/store/table_builder.h"
#include "core/train/run_session.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <cmath>
#include <map>

using namespace flower;
namespace fs = std::filesystem;
using flower::test::contains;
using flower::test::errorOf;

namespace {

data::InteractionRow row(std::vector<data::ItemId> history, data::ItemId target) {
    data::InteractionRow r;
    r.history = std::move(history);
    r.target = target;
    return r;
}

// Items 0–7 occur 8, 7, …, 1 times in the training histories (36 positions), so with 8 groups
// group g holds item g alone and its history share is (8 − g) / 36; item 8 is in no history.
data::Dataset nineItems() {
    data::Dataset d;
    d.catalog = data::Catalog({"Red Moon", "Blue Moon", "Red Sun", "Dark Star", "Star", "Moon Rise",
                               "Sun Set", "Deep Sea", "Lost Sea Song"});
    d.train = data::InteractionSplit(
        "train", {row({0, 0, 0, 0, 1, 1, 1, 1, 2, 2}, 1), row({0, 0, 0, 0, 1, 1, 1, 2, 2, 2}, 2),
                  row({2, 3, 3, 3, 3, 3, 4, 4, 4, 4}, 3), row({5, 5, 5, 6, 6, 7}, 8)});
    d.valid = data::InteractionSplit("valid", {row({1}, 2)});
    d.test = data::InteractionSplit("test", {row({1}, 0), row({2}, 3), row({3}, 4), row({4}, 5)});
    return d;
}

const data::Dataset& smallDataset() {
    static const data::Dataset d = [] {
        data::SyntheticConfig c;
        c.items = 80;
        c.users = 300;
        c.seed = 2;
        return data::generateSynthetic(c).dataset;
    }();
    return d;
}

sasrec::SasRecTrainingOptions quick(std::uint64_t seed) {
    sasrec::SasRecTrainingOptions o;
    o.seed = seed;
    o.maxEpochs = 2;
    o.batchSize = 128;
    return o;
}

}  // namespace

class TestSasRecRun : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void topItemFiguresByHand();
    void runStoresTopItemFigures();
    void findsTheRunToReuse();
    void resumeOfASasRecRunIsRefused();
};

void TestSasRecRun::topItemFiguresByHand() {
    const auto d = nineItems();
    // Top items 0, 0, 4, 8: groups 0, 0, 4 and (no group →) 7: shares ½, ¼, ¼.
    const auto report = sasrec::evaluateTopItems(d, d.test, {0, 0, 4, 8});
    // Recommended − history shares, in 36ths: g0 18 − 8 = 10, g1 −7, g2 −6, g3 −5, g4 9 − 4 = 5,
    // g5 −3, g6 −2, g7 9 − 1 = 8. DGU = 10/36 − (−7/36); MGU = (10+7+6+5+5+3+2+8) / 36 / 8.
    std::map<std::string, double> stored;
    for (const auto& m : sasrec::topItemMetrics(report)) {
        QCOMPARE(m.k, 1);
        stored[m.metric] = m.value;
    }
    QCOMPARE(stored.count("ndcg"), std::size_t{0});  // SASRec's accuracy is its full ranking's
    QCOMPARE(stored.count("hr"), std::size_t{0});
    QCOMPARE(stored.at("dgu"), 17.0 / 36.0);
    QCOMPARE(stored.at("mgu"), 46.0 / 36.0 / 8.0);
    // Words: Red ×2, Moon ×2, Star, Lost, Sea, Song: H = 2·(¼·2) + 4·(⅛·3) = 2.5 bits, TTR 6/8.
    QCOMPARE(stored.at("entropy"), 2.5);
    QCOMPARE(stored.at("ttr"), 0.75);
    QCOMPARE(stored.at("distinct_titles"), 3.0);
    QCOMPARE(stored.at("cc"), 0.0);
    QCOMPARE(stored.at("tail_share"), 0.25);  // groups 5–7
    const auto histograms = eval::groupHistograms(report);
    QCOMPARE(histograms.at(0).kind, std::string(eval::kGroupsRecommended));
    QCOMPARE(histograms.at(0).bins, (std::vector<double>{0.5, 0, 0, 0, 0.25, 0, 0, 0.25}));
    QCOMPARE(histograms.at(1).bins.at(0), 8.0 / 36.0);
    QVERIFY(contains(errorOf([&] { sasrec::evaluateTopItems(d, d.test, {0, 1}); }),
                     "expected one top item per row (4), got 2"));
    QVERIFY(contains(errorOf([&] { sasrec::evaluateTopItems(d, d.test, {0, 1, 2, 9}); }),
                     "outside the catalogue"));
}

void TestSasRecRun::runStoresTopItemFigures() {
    test::TempDir dir("sasrec-run");
    sasrec::SasRecRunOptions o;
    o.training = quick(3);
    o.name = "sasrec-small";
    o.dataset = "synthetic-small";
    o.storeFile = dir.path() / "runs.sqlite";
    const auto summary = sasrec::runSasRec(smallDataset(), o);

    // The stored figures are those of the stored test scores' top items.
    const sasrec::SasRecScores scores(summary.scoresFile);
    const auto targets = sasrec::SequenceTensors::fromSplit(
        smallDataset().test, static_cast<std::int64_t>(smallDataset().catalog.size()), 10).targets;
    const auto top = sasrec::rankScores(scores.split("test"), targets, {1}).top;
    std::map<std::string, double> expected;
    for (const auto& m : sasrec::topItemMetrics(sasrec::evaluateTopItems(smallDataset(), smallDataset().test, top))) {
        expected[m.metric] = m.value;
    }
    store::RunStore runs(o.storeFile);
    std::map<std::string, double> stored;
    for (const auto& e : runs.evaluations(summary.runId)) {
        if (e.split != "test") continue;
        if (e.metric == "ndcg" || e.metric == "hr") {
            QVERIFY(e.k != 0);
            continue;
        }
        QCOMPARE(e.k, 1);
        QCOMPARE(e.step, static_cast<std::int64_t>(summary.result.bestEpoch));
        stored[e.metric] = e.value;
    }
    QVERIFY(stored == expected);
    QVERIFY(stored.count("dgu") == 1 && stored.count("entropy") == 1);
    const auto histograms = runs.histograms(summary.runId);
    QCOMPARE(histograms.size(), std::size_t{3});
    QCOMPARE(histograms.at(0).bins.size(), std::size_t{8});
    QVERIFY(contains(runs.run(summary.runId).notes, "top-1 item"));

    // The paper table's SASRec row is complete, with a note on where its figures come from.
    const auto table = store::paperTable(runs, {summary.runId});
    QCOMPARE(table.rows.at(0).label, std::string("SASRec"));
    for (const auto& cell : table.rows.at(0).cells) QCOMPARE(cell.values.size(), std::size_t{1});
    QCOMPARE(table.rows.at(0).cells.at(0).values.at(0), summary.result.test.ndcg(5));
    QCOMPARE(table.rows.at(0).cells.at(2).values.at(0), expected.at("dgu"));
    QCOMPARE(table.rows.at(0).cells.at(4).values.at(0), expected.at("entropy"));
    QCOMPARE(table.notes.size(), std::size_t{1});
    QVERIFY(contains(table.toMarkdown(), "\nNote: SASRec: DGU, MGU, H and TTR from each row's top-1 item"));
    QVERIFY(contains(table.toLatex(), "\\multicolumn{7}{l}{\\footnotesize SASRec: DGU"));
}

void TestSasRecRun::findsTheRunToReuse() {
    test::TempDir dir("sasrec-find");
    const fs::path file = dir.path() / "runs.sqlite";
    const auto items = static_cast<std::int64_t>(smallDataset().catalog.size());
    QVERIFY(!sasrec::findSasRecRun(file, "synthetic-small", quick(3), items));  // no store yet
    sasrec::SasRecRunOptions o;
    o.training = quick(3);
    o.dataset = "synthetic-small";
    o.storeFile = file;
    const auto first = sasrec::runSasRec(smallDataset(), o).runId;
    QCOMPARE(sasrec::findSasRecRun(file, "synthetic-small", quick(3), items).value_or(-1), first);
    QVERIFY(!sasrec::findSasRecRun(file, "synthetic-small", quick(4), items));   // another seed
    QVERIFY(!sasrec::findSasRecRun(file, "synthetic-other", quick(3), items));   // another dataset
    auto longer = quick(3);
    longer.maxEpochs = 3;
    QVERIFY(!sasrec::findSasRecRun(file, "synthetic-small", longer, items));     // other settings
    const auto second = sasrec::runSasRec(smallDataset(), o).runId;              // the newest wins
    QCOMPARE(sasrec::findSasRecRun(file, "synthetic-small", quick(3), items).value_or(-1), second);
    // A run whose scores file is gone cannot serve as a preference model.
    std::filesystem::remove(sasrec::runScoresPath(file, second));
    QCOMPARE(sasrec::findSasRecRun(file, "synthetic-small", quick(3), items).value_or(-1), first);
}

void TestSasRecRun::resumeOfASasRecRunIsRefused() {
    test::TempDir dir("sasrec-resume");
    sasrec::SasRecRunOptions o;
    o.training = quick(5);
    o.dataset = "synthetic-small";
    o.storeFile = dir.path() / "runs.sqlite";
    const auto id = sasrec::runSasRec(smallDataset(), o).runId;
    const std::string e = errorOf([&] { train::RunSession::open(o.storeFile, id); });
    QCOMPARE(e, o.storeFile.string() + ": run 1 is a sasrec run (`flower sasrec train`): it keeps "
                "only its best epoch, no checkpoint to continue from, and is not an experiment; "
                "train it again with `flower sasrec train --dataset synthetic-small --seed 5`");
    QCOMPARE(errorOf([&] { train::experimentOfRun(o.storeFile, id); }), e);
}

FLOWER_TEST_MAIN(TestSasRecRun, topItemFiguresByHand, runStoresTopItemFigures, findsTheRunToReuse,
                 resumeOfASasRecRunIsRefused)
#ifdef FLOWER_TEST_QT
#include "test_sasrec_run.moc"
#endif
