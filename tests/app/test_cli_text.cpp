// `flower tokenize` and `flower flows` end to end: the binary on a tiny tokenizer (hand-checked
// output), bad input lines, and the Movies reference reproduced through the CLI.
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using flower::test::runProcess;
namespace fs = std::filesystem;

namespace {
// One folder per test process (parallel ctest runs must not share a fixed /tmp path).
fs::path scratch() {
    static const flower::test::TempDir dir("cli-text");
    return dir.path();
}

fs::path writeFile(const std::string& name, const std::string& text) {
    const fs::path path = scratch() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

std::string tinyTokenizerPath() {
    return writeFile("tiny_tokenizer.json", flower::test::tinyTokenizerJson().dump()).string();
}

nlohmann::json readJson(const fs::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}
}  // namespace

class TestCliText : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tokenizesLines();
    void decodesLines();
    void reportsBadLine();
    void writesFlows();
    void rejectsMissingRewards();
    void reproducesMoviesReference();
};

void TestCliText::tokenizesLines() {
    const auto input = writeFile("in.jsonl", "\"abc ab\"\n{\"text\": \"ab<|end|>\"}\n");
    const auto r = runProcess({FLOWER_CLI_PATH, "tokenize", "--tokenizer", tinyTokenizerPath(),
                               "--input", input.string()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, std::string("[257,258]\n[256,300]\n"));
}

void TestCliText::decodesLines() {
    const auto input = writeFile("ids.jsonl", "[257,258]\n{\"ids\": [256, 300]}\n");
    const auto r = runProcess({FLOWER_CLI_PATH, "tokenize", "--decode", "--tokenizer",
                               tinyTokenizerPath(), "--input", input.string()});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, std::string("\"abc ab\"\n\"ab<|end|>\"\n"));
}

void TestCliText::reportsBadLine() {
    const auto input = writeFile("bad.jsonl", "\"ok\"\n[1, 2]\n");
    const auto r = runProcess({FLOWER_CLI_PATH, "tokenize", "--tokenizer", tinyTokenizerPath(),
                               "--input", input.string()});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.find("bad.jsonl line 2") != std::string::npos, r.err.c_str());
}

void TestCliText::writesFlows() {
    // "ab" (3) and "ab c" (1): first -> {ab: 0}; "256" -> {"\n"(10): log 3/4, " "(32): log 1/4}.
    const auto rewards = writeFile("rewards.json", R"({"ab": 3, "ab c": 1})");
    const fs::path out = scratch() / "flows.json";
    const auto r = runProcess({FLOWER_CLI_PATH, "flows", "--tokenizer", tinyTokenizerPath(),
                               "--rewards", rewards.string(), "--out", out.string()});
    QCOMPARE(r.exitCode, 0);
    const auto j = readJson(out);
    QCOMPARE(j.at("first").at("256").get<double>(), 0.0);
    QCOMPARE(j.at("256").at("10").get<double>(), std::log(0.75));
    QCOMPARE(j.at("256").at("32").get<double>(), std::log(0.25));
    QCOMPARE(j.at("256-32").at("99").get<double>(), 0.0);
    QCOMPARE(j.at("256-32-99").at("10").get<double>(), 0.0);
    QCOMPARE(j.size(), std::size_t{4});
}

void TestCliText::rejectsMissingRewards() {
    const auto r = runProcess({FLOWER_CLI_PATH, "flows", "--tokenizer", tinyTokenizerPath(),
                               "--rewards", "/nonexistent/r.json", "--out", (scratch() / "x.json").string()});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.find("/nonexistent/r.json") != std::string::npos, r.err.c_str());
}

void TestCliText::reproducesMoviesReference() {
    FLOWER_REQUIRE_SHARED(shared);
    if (!fs::exists(flower::util::defaultTokenizerPath())) QSKIP("default tokenizer absent");
    const auto dir = shared / "data/Movies_and_TV";
    const auto ref = readJson(dir / "reference_qwen2.5_token_distribution.json");
    // Both sources: the reference's reward file, and the dataset itself (counts in train.csv
    // histories over every catalogue title; never-seen titles have zero flow and no key).
    const std::vector<std::vector<std::string>> sources = {
        {"--rewards", (dir / "reference_title_interaction.json").string()},
        {"--dataset", dir.string()}};
    for (const auto& source : sources) {
        const fs::path out = scratch() / "movies.json";
        const auto r = runProcess({FLOWER_CLI_PATH, "flows", source[0], source[1], "--out", out.string()});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const auto ours = readJson(out);
        QCOMPARE(ours.size(), ref.size());
        double worst = 0;
        for (const auto& [key, row] : ref.items()) {
            QVERIFY2(ours.contains(key), (source[0] + ": " + key).c_str());
            QCOMPARE(ours.at(key).size(), row.size());
            for (const auto& [next, value] : row.items()) {
                QVERIFY2(ours.at(key).contains(next), (key + " -> " + next).c_str());
                worst = std::max(worst, std::abs(ours.at(key).at(next).get<double>() - value.get<double>()));
            }
        }
        QVERIFY2(worst <= 1e-9, (source[0] + ": " + std::to_string(worst)).c_str());
    }
}


FLOWER_TEST_MAIN(TestCliText, tokenizesLines, decodesLines, reportsBadLine, writesFlows,
                 rejectsMissingRewards, reproducesMoviesReference)
#ifdef FLOWER_TEST_QT
#include "test_cli_text.moc"
#endif
