// `flower synth` and `flower dataset-stats` end to end, run as a user would run them.
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iterator>

using flower::test::runProcess;

namespace {
std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

class TestCliData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void synthWritesDatasetAndStatsReadIt();
    void synthIsDeterministic();
    void statsOnMovies();
    void reportsErrorsWithLocation();
    void helpNamesOptions();
};

void TestCliData::synthWritesDatasetAndStatsReadIt() {
    flower::test::TempDir dir("cli");
    const std::string out = (dir.path() / "synthetic").string();
    const auto synth = runProcess({FLOWER_CLI_PATH, "synth", "--out", out, "--items", "60",
                                   "--users", "150", "--seed", "3", "--zipf", "0.8"});
    QVERIFY2(synth.exitCode == 0, synth.err.c_str());
    const auto summary = nlohmann::json::parse(synth.out);
    QCOMPARE(summary.at("items").get<int>(), 60);

    const auto stats = runProcess({FLOWER_CLI_PATH, "dataset-stats", "--dataset", out,
                                   "--groups", "4", "--top", "3"});
    QVERIFY2(stats.exitCode == 0, stats.err.c_str());
    const auto j = nlohmann::json::parse(stats.out);
    QCOMPARE(j.at("items").get<int>(), 60);
    QCOMPARE(j.at("rows").at("train").get<std::int64_t>(),
             summary.at("rows").at("train").get<std::int64_t>());
    QCOMPARE(j.at("group_sizes").size(), std::size_t{4});
    QCOMPARE(j.at("top_titles").size(), std::size_t{3});
    // Shares of the history distribution sum to one; group sizes add up to the titles.
    double sum = 0;
    for (const auto& s : j.at("history_group_distribution")) sum += s.get<double>();
    QVERIFY(std::abs(sum - 1.0) < 1e-12);
    std::int64_t titles = 0;
    for (const auto& s : j.at("group_sizes")) titles += s.get<std::int64_t>();
    QCOMPARE(titles, j.at("distinct_history_titles").get<std::int64_t>());
}

void TestCliData::synthIsDeterministic() {
    flower::test::TempDir dir("cli");
    for (const char* name : {"a", "b"}) {
        const auto r = runProcess({FLOWER_CLI_PATH, "synth", "--out",
                                   (dir.path() / name).string(), "--items", "40", "--users",
                                   "50"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
    }
    for (const char* f : {"items.tsv", "train.csv", "valid.csv", "test.csv"}) {
        QVERIFY(slurp(dir.path() / "a" / f) == slurp(dir.path() / "b" / f));
    }
}

void TestCliData::statsOnMovies() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto r = runProcess({FLOWER_CLI_PATH, "dataset-stats", "--dataset",
                               (shared / "data" / "Movies_and_TV").string()});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j.at("rows").at("train").get<int>(), 21937);
    QCOMPARE(j.at("rows").at("valid").get<int>(), 2742);
    QCOMPARE(j.at("rows").at("test").get<int>(), 2743);
    QCOMPARE(j.at("distinct_history_titles").get<int>(), 2571);
    QCOMPARE(j.at("group_sizes").get<std::vector<int>>(),
             (std::vector<int>{322, 322, 322, 321, 321, 321, 321, 321}));
    // JSON doubles round-trip: the reference's first value (calc.py) comes back exactly.
    QCOMPARE(j.at("history_group_distribution").at(0).get<double>(), 0.3926707980937671);
}

void TestCliData::reportsErrorsWithLocation() {
    flower::test::TempDir dir("cli");
    dir.write("items.tsv", "A\t0\n");
    dir.write("train.csv", "history_item_title,item_title\n['A'],A\n\"['A', 'B']\",A\n");
    dir.write("valid.csv", "history_item_title,item_title\n['A'],A\n");
    dir.write("test.csv", "history_item_title,item_title\n['A'],A\n");
    const auto r = runProcess({FLOWER_CLI_PATH, "dataset-stats", "--dataset", dir.path().string()});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.find("train.csv line 3, field history_item_title: unknown title 'B'") !=
                 std::string::npos,
             r.err.c_str());
    const auto bad = runProcess({FLOWER_CLI_PATH, "synth", "--out", dir.path().string(),
                                 "--items", "3"});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.find("field items") != std::string::npos, bad.err.c_str());
    const auto groups = runProcess({FLOWER_CLI_PATH, "dataset-stats", "--dataset",
                                    dir.path().string(), "--groups", "0"});
    QVERIFY(groups.exitCode != 0);
}

void TestCliData::helpNamesOptions() {
    const auto stats = runProcess({FLOWER_CLI_PATH, "dataset-stats", "--help"});
    QCOMPARE(stats.exitCode, 0);
    QVERIFY2(stats.out.find("--category") != std::string::npos, stats.out.c_str());
    const auto synth = runProcess({FLOWER_CLI_PATH, "synth", "--help"});
    QCOMPARE(synth.exitCode, 0);
    QVERIFY2(synth.out.find("--zipf") != std::string::npos, synth.out.c_str());
}

FLOWER_TEST_MAIN(TestCliData, synthWritesDatasetAndStatsReadIt, synthIsDeterministic,
                 statsOnMovies, reportsErrorsWithLocation, helpNamesOptions)
#ifdef FLOWER_TEST_QT
#include "test_cli_data.moc"
#endif
