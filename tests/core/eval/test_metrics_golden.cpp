// The metrics of 600 Movies test rows (../shared/fixtures/metrics-golden-movies) against the
// values the reference's evaluation computed: every key of metrics.json within 1e-6, with the
// popularity groups and history shares built from the dataset (not from the reference's files).
// The golden also tells which rank rule the reference used: one list repeats its target and
// only the last-match rule reproduces NDCG@10.
#include "core/data/dataset.h"
#include "core/eval/predictions_file.h"
#include "core/eval/recommendation_evaluation.h"
#include "core/eval/title_catalogue.h"
#include "tests/core/eval/golden_compare.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace flower::eval;

class TestMetricsGolden : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void reproducesTheReferenceValues();
};

void TestMetricsGolden::reproducesTheReferenceValues() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto dir = shared / "fixtures" / "metrics-golden-movies";
    nlohmann::json golden;
    std::ifstream(dir / "metrics.json") >> golden;
    const auto predictions = PredictionsFile::read(dir / "predictions.json", 10);
    QCOMPARE(predictions.size(), std::size_t{600});
    const auto dataset = flower::data::loadDataset(shared / "data" / "Movies_and_TV");
    const TitleCatalogue catalogue(dataset);
    const auto rows = recommendationRows(predictions);

    const RecommendationReport report = evaluateRecommendations(rows, catalogue);
    const auto json = reportJson(report);
    const std::string mismatch = flower::test::compareToGolden(golden, json, 1e-6);
    QVERIFY2(mismatch.empty(), mismatch.c_str());
    QCOMPARE(report.lexical.outsideCatalogue, std::int64_t{0});   // constrained decoding
    QCOMPARE(report.groups.outsideGroups, std::int64_t{0});

    // No title of the golden is outside every group, so calc.py's group-7 quirk changes nothing.
    MetricsOptions quirk;
    quirk.enableQuirk("group7_assign");
    QVERIFY(flower::test::compareToGolden(golden, reportJson(evaluateRecommendations(rows, catalogue, quirk)), 1e-6).empty());
    // The first-match rule misses NDCG@10 by ~1.1e-4: the reference ranks by the last match.
    MetricsOptions first;
    first.match = MatchRule::First;
    const auto firstJson = reportJson(evaluateRecommendations(rows, catalogue, first));
    QVERIFY(!flower::test::compareToGolden(golden, firstJson, 1e-6).empty());
    QVERIFY(std::abs(firstJson.at("NDCG")[3].get<double>() - golden.at("NDCG")[3].get<double>()) > 1e-5);
}

FLOWER_TEST_MAIN(TestMetricsGolden, reproducesTheReferenceValues)
#ifdef FLOWER_TEST_QT
#include "test_metrics_golden.moc"
#endif
