// `flower synth-amazon` and `flower prepare-amazon` end to end, as a user runs them: synthetic
// raw dumps in, a dataset folder out that `flower dataset-stats` reads; bad input exits 1
// naming file, line and field and leaves no folder; --strict false skips and counts.
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

using flower::test::runProcess;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Small synthetic dumps: 300 items, ≥ 3000 users, plain JSON when `plain`.
fs::path synth(const fs::path& dir, bool plain) {
    std::vector<std::string> argv = {FLOWER_CLI_PATH, "synth-amazon", "--out", dir.string(), "--category", "Toys",
                                     "--items", "300", "--users", "3000", "--seed", "5"};
    if (plain) argv.push_back("--plain");
    const auto r = runProcess(argv);
    if (r.exitCode != 0) throw std::runtime_error(r.err);
    return dir;
}

std::vector<std::string> prepareArgs(const fs::path& raw, const fs::path& out, const std::string& ext) {
    return {FLOWER_CLI_PATH, "prepare-amazon", "--reviews", (raw / ("Toys" + ext)).string(), "--meta",
            (raw / ("meta_Toys" + ext)).string(), "--category", "Toys", "--out", out.string(), "--min-items", "50"};
}

}  // namespace

class TestCliPrepare : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void preparesADatasetTheWorkbenchReads();
    void badInputExitsOneAndWritesNothing();
    void lenientModeCountsSkippedLines();
    void rejectsBadArguments();
};

void TestCliPrepare::preparesADatasetTheWorkbenchReads() {
    flower::test::TempDir dir("prep");
    const fs::path raw = synth(dir.path() / "raw", false);
    const fs::path out = dir.path() / "Toys";
    const auto r = runProcess(prepareArgs(raw, out, ".json.gz"));
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    QVERIFY2(r.out.find("prepared ") == 0, r.out.c_str());
    for (const char* f : {"train.csv", "valid.csv", "test.csv", "items.tsv", "reference_title_interaction.json",
                          "reference_group_title_8.json", "prepare.json"}) {
        QVERIFY2(fs::exists(out / f), f);
    }
    const auto manifest = nlohmann::json::parse(slurp(out / "prepare.json"));
    const auto stats = runProcess({FLOWER_CLI_PATH, "dataset-stats", "--dataset", out.string()});
    QVERIFY2(stats.exitCode == 0, stats.err.c_str());
    const auto j = nlohmann::json::parse(stats.out);
    QCOMPARE(j.at("items").get<std::int64_t>(), manifest["counts"]["kept_items"].get<std::int64_t>());
    QCOMPARE(j.at("rows").at("train").get<std::int64_t>(), manifest["counts"]["train"].get<std::int64_t>());
    QCOMPARE(j.at("rows").at("test").get<std::int64_t>(), manifest["counts"]["test"].get<std::int64_t>());
    // The title counts of the written reward file are what dataset-stats finds in the histories.
    const auto rewards = nlohmann::json::parse(slurp(out / "reference_title_interaction.json"));
    QCOMPARE(static_cast<std::int64_t>(rewards.size()), j.at("distinct_history_titles").get<std::int64_t>());
    QCOMPARE(manifest["inputs"]["reviews"]["gzip"].get<bool>(), true);
    QCOMPARE(manifest["window"]["time_zone"].get<std::string>(), std::string("UTC"));
}

void TestCliPrepare::badInputExitsOneAndWritesNothing() {
    flower::test::TempDir dir("prep");
    const fs::path raw = synth(dir.path() / "raw", false);
    // A truncated gzip stream.
    const std::string gz = slurp(raw / "Toys.json.gz");
    std::ofstream(raw / "Toys.json.gz", std::ios::binary) << gz.substr(0, gz.size() / 2);
    const fs::path out = dir.path() / "Toys";
    const auto r = runProcess(prepareArgs(raw, out, ".json.gz"));
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.find("Toys.json.gz line ") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("truncated gzip") != std::string::npos, r.err.c_str());
    QVERIFY(!fs::exists(out));
    // A review without asin in a plain file.
    const fs::path plain = synth(dir.path() / "plain", true);
    std::ofstream(plain / "Toys.json", std::ios::app)
        << "{\"reviewerID\": \"U\", \"unixReviewTime\": 1520000000, \"overall\": 5.0}\n";
    const auto r2 = runProcess(prepareArgs(plain, out, ".json"));
    QCOMPARE(r2.exitCode, 1);
    QVERIFY2(r2.err.find("field asin") != std::string::npos, r2.err.c_str());
    QVERIFY(!fs::exists(out));
}

void TestCliPrepare::lenientModeCountsSkippedLines() {
    flower::test::TempDir dir("prep");
    const fs::path plain = synth(dir.path() / "plain", true);
    std::ofstream(plain / "Toys.json", std::ios::app) << "{\"reviewerID\": \"U\", \"asin\": \n";
    const fs::path out = dir.path() / "Toys";
    auto args = prepareArgs(plain, out, ".json");
    args.insert(args.end(), {"--strict", "false", "--json"});
    const auto r = runProcess(args);
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);  // --json prints prepare.json
    QCOMPARE(j["counts"]["skipped_lines"].get<int>(), 1);
    QCOMPARE(j["inputs"]["reviews"]["skipped_lines"]["malformed_json"].get<int>(), 1);
}

void TestCliPrepare::rejectsBadArguments() {
    flower::test::TempDir dir("prep");
    const fs::path plain = synth(dir.path() / "plain", true);
    auto args = prepareArgs(plain, dir.path() / "x", ".json");
    args.insert(args.end(), {"--start", "2017-13"});
    const auto r = runProcess(args);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.find("field start") != std::string::npos, r.err.c_str());
    const auto help = runProcess({FLOWER_CLI_PATH, "prepare-amazon", "--help"});
    QCOMPARE(help.exitCode, 0);
    for (const char* option : {"--reviews", "--meta", "--start", "--end", "--k", "--min-items", "--max-history", "--strict"}) {
        QVERIFY2(help.out.find(option) != std::string::npos, option);
    }
}

FLOWER_TEST_MAIN(TestCliPrepare, preparesADatasetTheWorkbenchReads, badInputExitsOneAndWritesNothing,
                 lenientModeCountsSkippedLines, rejectsBadArguments)
#ifdef FLOWER_TEST_QT
#include "test_cli_prepare.moc"
#endif
