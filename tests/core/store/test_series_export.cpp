// Series export (issue 18): CSV that reads back to the values written here, JSON columns, the
// x range on each axis, key selection, and the errors a user can cause.
#include "core/store/run_store.h"
#include "core/store/run_writer.h"
#include "core/store/series_export.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace flower::store;

namespace {

// Run 1 "a": loss/total at steps 0..4 = 1/(step+3) (not short decimals), epoch step/4, wall
// time 1000 + 10·step; lr at steps 0, 2 = 0.1, 0.05. Run 2 "b, quoted": loss/total at 0, 1.
void fill(RunStore& store) {
    const auto a = store.createRun(NewRun{"a", "{}", "sft", "d", 0, "cpu"});
    {
        RunWriter w(store.file(), a);
        for (int step = 0; step < 5; ++step) {
            w.scalar("loss/total", step, 1.0 / (step + 3), step / 4.0, 1000 + 10.0 * step);
        }
        w.scalar("lr", 0, 0.1, 0, 1000);
        w.scalar("lr", 2, 0.05, 0.5, 1020);
        w.finish(RunStatus::Finished);
    }
    const auto b = store.createRun(NewRun{"b, \"quoted\"", "{}", "sft", "d", 0, "cpu"});
    RunWriter w(store.file(), b);
    w.scalar("loss/total", 0, 7.25, 0, 2000);
    w.scalar("loss/total", 1, -0.5, 1, 2001);
    w.finish(RunStatus::Finished);
}

std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> fields;
        std::string field;
        std::istringstream l(line);
        while (std::getline(l, field, ',')) fields.push_back(field);
        rows.push_back(fields);
    }
    return rows;
}

}  // namespace

class TestSeriesExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void csvReadsBackToStoredValues();
    void keysAndRuns();
    void rangeOnEachAxis();
    void jsonColumns();
    void errors();
};

void TestSeriesExport::csvReadsBackToStoredValues() {
    flower::test::TempDir dir("series");
    RunStore store(dir.path() / "runs.sqlite");
    fill(store);
    const std::string csv = seriesCsv(collectSeries(store, {{1, 2}, {}, std::nullopt}));
    const auto rows = parseCsv(csv);
    QCOMPARE(rows.size(), std::size_t{1 + 5 + 2 + 2});
    QCOMPARE(rows[0], (std::vector<std::string>{"run", "key", "step", "epoch", "wall_time", "value"}));
    // Run 1's loss/total, in step order, exactly the doubles written above.
    int loss = 0;
    for (const auto& r : rows) {
        if (r.size() == 6 && r[0] == "1" && r[1] == "loss/total") {
            QCOMPARE(std::stoll(r[2]), static_cast<long long>(loss));
            QVERIFY(std::strtod(r[5].c_str(), nullptr) == 1.0 / (loss + 3));
            QVERIFY(std::strtod(r[3].c_str(), nullptr) == loss / 4.0);
            QVERIFY(std::strtod(r[4].c_str(), nullptr) == 1000 + 10.0 * loss);
            ++loss;
        }
    }
    QCOMPARE(loss, 5);
    QVERIFY2(csv.find("\n1,lr,2,0.5,1020,0.05\n") != std::string::npos, csv.c_str());
    QVERIFY2(csv.find("\n2,loss/total,1,1,2001,-0.5\n") != std::string::npos, csv.c_str());
}

void TestSeriesExport::keysAndRuns() {
    flower::test::TempDir dir("series-keys");
    RunStore store(dir.path() / "runs.sqlite");
    fill(store);
    // lr only exists in run 1: run 2 contributes nothing, which is no error.
    const auto series = collectSeries(store, {{2, 1}, {"lr"}, std::nullopt});
    QCOMPARE(series.size(), std::size_t{1});
    QCOMPARE(series[0].run, std::int64_t{1});
    QCOMPARE(series[0].points.size(), std::size_t{2});
    // Runs in the order asked for.
    const auto both = collectSeries(store, {{2, 1}, {"loss/total"}, std::nullopt});
    QCOMPARE(both.size(), std::size_t{2});
    QCOMPARE(both[0].run, std::int64_t{2});
    QCOMPARE(both[0].runName, std::string("b, \"quoted\""));
}

void TestSeriesExport::rangeOnEachAxis() {
    flower::test::TempDir dir("series-range");
    RunStore store(dir.path() / "runs.sqlite");
    fill(store);
    const auto steps = [&](SeriesAxis axis, double lo, double hi) {
        std::vector<std::int64_t> out;
        const auto series = collectSeries(store, {{1}, {"loss/total"}, SeriesRange{axis, lo, hi}});
        for (const auto& p : series.at(0).points) {
            out.push_back(p.step);
        }
        return out;
    };
    QCOMPARE(steps(SeriesAxis::Step, 1, 3), (std::vector<std::int64_t>{1, 2, 3}));        // inclusive
    QCOMPARE(steps(SeriesAxis::Step, 1.5, 2.5), (std::vector<std::int64_t>{2}));
    QCOMPARE(steps(SeriesAxis::Epoch, 0.5, 1.0), (std::vector<std::int64_t>{2, 3, 4}));   // epoch = step/4
    QCOMPARE(steps(SeriesAxis::WallTime, 1005, 1030), (std::vector<std::int64_t>{1, 2, 3}));
    QCOMPARE(steps(SeriesAxis::Step, 10, 20), (std::vector<std::int64_t>{}));
    QVERIFY(parseSeriesAxis("epoch") == SeriesAxis::Epoch);
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseSeriesAxis("steps"));
}

void TestSeriesExport::jsonColumns() {
    flower::test::TempDir dir("series-json");
    RunStore store(dir.path() / "runs.sqlite");
    fill(store);
    const SeriesRange range{SeriesAxis::Step, 0, 2};
    const auto j = seriesJson(collectSeries(store, {{1, 2}, {}, range}), range);
    QCOMPARE(j.at("runs").size(), std::size_t{2});
    QCOMPARE(j.at("runs").at(0).at("name").get<std::string>(), std::string("a"));
    QCOMPARE(j.at("runs").at(0).at("series").at("lr").at("value").dump(), std::string("[0.1,0.05]"));
    QCOMPARE(j.at("runs").at(0).at("series").at("loss/total").at("step").dump(), std::string("[0,1,2]"));
    QVERIFY(j.at("runs").at(0).at("series").at("loss/total").at("value").at(2).get<double>() == 1.0 / 5);
    QCOMPARE(j.at("runs").at(1).at("series").at("loss/total").at("wall_time").dump(), std::string("[2000.0,2001.0]"));
    QCOMPARE(j.at("range").at("axis").get<std::string>(), std::string("step"));
    QCOMPARE(j.at("range").at("to").get<double>(), 2.0);
}

void TestSeriesExport::errors() {
    flower::test::TempDir dir("series-errors");
    RunStore store(dir.path() / "runs.sqlite");
    fill(store);
    // A key no selected run has names itself.
    try {
        collectSeries(store, {{1, 2}, {"loss/totl"}, std::nullopt});
        QFAIL("no error for an unknown key");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("\"loss/totl\"") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, collectSeries(store, {{9}, {}, std::nullopt}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, collectSeries(store, {{1}, {}, SeriesRange{SeriesAxis::Step, 5, 1}}));
}

FLOWER_TEST_MAIN(TestSeriesExport, csvReadsBackToStoredValues, keysAndRuns, rangeOnEachAxis, jsonColumns, errors)
#ifdef FLOWER_TEST_QT
#include "test_series_export.moc"
#endif
