// The contract between core/eval and the paper table: the metrics an evaluation stores
// (eval::storedMetrics, split "test") fill every cell of Table 4 — NDCG@5, HR@5, DGU@10,
// MGU@10, H, TTR — with the report's own values.
#include "core/eval/recommendation_evaluation.h"
#include "core/eval/title_catalogue.h"
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/table_builder.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

using namespace flower;

namespace {
// "t<i>", with append(): GCC 12 warns falsely (-Wrestrict) on `"t" + std::to_string(i)`.
std::string titleName(int i) { return std::string("t").append(std::to_string(i)); }
}  // namespace

class TestPaperTableNames : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void storedMetricsFillTableFour();
};

void TestPaperTableNames::storedMetricsFillTableFour() {
    std::vector<std::string> titles;
    for (int i = 0; i < 12; ++i) titles.push_back(titleName(i));
    const eval::TitleCatalogue catalogue(titles, {{"t0", "t1", "t2"}, {"t3", "t4", "t5"}},
                                         {0.7, 0.3}, {0.6, 0.4});
    std::vector<eval::RecommendationRow> rows;
    for (int r = 0; r < 6; ++r) {
        std::vector<std::string> list;
        for (int i = 0; i < 10; ++i) list.push_back(titleName((r + i) % 12));
        rows.push_back({list, titleName(2 * r), false});
    }
    const auto report = eval::evaluateRecommendations(rows, catalogue);

    const auto db = test::freshFolder("paper-table") / "runs.sqlite";
    store::RunStore runs(db);
    const nlohmann::json config = {{"name", "flower-movies"}, {"method", "flower"}};
    const auto id = runs.createRun({"flower-movies", config.dump(), "flower", "Movies_and_TV", 0, "cpu"});
    {
        store::RunWriter writer(runs.file(), id);
        for (const auto& m : eval::storedMetrics(report)) writer.evaluation("test", m.metric, m.k, 100, m.value);
        writer.finish(store::RunStatus::Finished);
    }
    const auto table = store::paperTable(runs, {id});
    QCOMPARE(table.rows.size(), std::size_t{1});
    const auto& cells = table.rows[0].cells;
    QCOMPARE(cells.size(), std::size_t{6});
    const auto at = [&](int k) {
        for (std::size_t i = 0; i < report.accuracy.ks.size(); ++i) {
            if (report.accuracy.ks[i] == k) return i;
        }
        return std::size_t{0};
    };
    const auto atK = [&](int k) {
        for (const auto& m : report.atK) {
            if (m.k == k) return m;
        }
        return eval::MetricAtK{};
    };
    const std::vector<double> expected = {report.accuracy.ndcg[at(5)], report.accuracy.hr[at(5)],
                                          atK(10).dgu, atK(10).mgu, report.lexical.entropyBits,
                                          report.lexical.ttr};
    QCOMPARE(table.rows[0].label, std::string("Flower"));
    QCOMPARE(store::methodLabel("sasrec"), std::string("SASRec"));
    QCOMPARE(store::methodLabel("d3"), std::string("D3"));
    for (std::size_t c = 0; c < 6; ++c) {
        QCOMPARE(cells[c].values.size(), std::size_t{1});
        QCOMPARE(cells[c].values[0], expected[c]);
    }
}

FLOWER_TEST_MAIN(TestPaperTableNames, storedMetricsFillTableFour)
#ifdef FLOWER_TEST_QT
#include "test_paper_table_names.moc"
#endif
