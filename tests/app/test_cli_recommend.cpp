// `flower recommend` end to end on a nano model with a byte-level test tokenizer and a small
// synthetic dataset: the predictions file's layout (the reference's), B distinct catalogue
// titles per row, scores best first; and bad input — a checkpoint whose vocabulary does not
// cover the trie, an unknown decoding, guidance without scores, scores of the wrong shape —
// each a clear message, exit status ≠ 0 and no file written.
#include "core/model/safetensors_writer.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

using flower::test::contains;
using flower::test::runProcess;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    flower::test::TempDir dir{"recommend"};
    fs::path tokenizer, dataset, model;
    std::set<std::string> titles;

    Fixture() {
        tokenizer = dir.write("tokenizer.json", flower::test::tinyTokenizerJson().dump());
        dataset = dir.path() / "data";
        model = dir.path() / "model";
        auto r = runProcess({FLOWER_CLI_PATH, "synth", "--out", dataset.string(), "--items", "24", "--users", "40"});
        if (r.exitCode != 0) throw std::runtime_error("synth failed: " + r.err);
        r = runProcess({FLOWER_CLI_PATH, "model-init", "--preset", "nano", "--vocab", "303", "--seed", "3", "--out",
                        model.string()});
        if (r.exitCode != 0) throw std::runtime_error("model-init failed: " + r.err);
        std::ifstream items(dataset / "items.tsv");
        for (std::string line; std::getline(items, line);) titles.insert(line.substr(0, line.find('\t')));
    }
    std::vector<std::string> args(const fs::path& checkpoint, const fs::path& out) const {
        return {FLOWER_CLI_PATH, "recommend", checkpoint.string(), "--dataset", dataset.string(), "--tokenizer",
                tokenizer.string(), "--rows", "3", "--beams", "4", "--out", out.string()};
    }
};

}  // namespace

class TestCliRecommend : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void writesTheReferenceLayout();
    void rejectsBadInput();
    void promptsUseTheDatasetsCategoryWords();
};

void TestCliRecommend::writesTheReferenceLayout() {
    Fixture f;
    for (const char* decoding : {"beam", "temp", "d3"}) {
        const fs::path out = f.dir.path() / (std::string(decoding) + ".json");
        auto a = f.args(f.model, out);
        a.insert(a.end(), {"--decoding", decoding});
        const auto r = runProcess(a);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        std::ifstream in(out);
        const auto j = nlohmann::json::parse(in);
        QCOMPARE(j.size(), std::size_t{3});
        for (const auto& e : j) {
            QVERIFY(e["input"].is_string());
            const auto target = e["output"].get<std::string>();
            QVERIFY(!target.empty() && target.back() == '\n');
            QVERIFY(f.titles.count(target.substr(0, target.size() - 1)) == 1);
            QCOMPARE(e["predict"].size(), std::size_t{4});
            QCOMPARE(e["predict_score"].size(), std::size_t{4});
            std::set<std::string> seen;
            double last = 1e300;
            for (std::size_t i = 0; i < 4; ++i) {
                const auto t = e["predict"][i].get<std::string>();
                QVERIFY2(f.titles.count(t) == 1, t.c_str());
                QVERIFY(seen.insert(t).second);
                const double s = e["predict_score"][i].get<double>();
                QVERIFY(s <= last && s < 0);
                last = s;
                QVERIFY(e["predict_token_scores"][i].size() >= 2);  // ≥ 1 title token + ⊤
            }
        }
    }
}

void TestCliRecommend::rejectsBadInput() {
    Fixture f;
    const fs::path out = f.dir.path() / "p.json";
    // A model of 100 ids cannot write byte-level titles (letters are ids ≥ 65... and 256+ merges).
    const fs::path small = f.dir.path() / "small";
    QCOMPARE(runProcess({FLOWER_CLI_PATH, "model-init", "--preset", "nano", "--vocab", "100", "--out", small.string()})
                 .exitCode,
             0);
    auto r = runProcess(f.args(small, out));
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(contains(r.err, "does not cover") && contains(r.err, "config.json"), r.err.c_str());
    QVERIFY(!fs::exists(out));

    auto a = f.args(f.model, out);
    a.insert(a.end(), {"--decoding", "greedy"});
    r = runProcess(a);
    QVERIFY(r.exitCode != 0);
    QVERIFY2(contains(r.err, "greedy") || contains(r.err, "decoding"), r.err.c_str());
    QVERIFY(!fs::exists(out));

    a = f.args(f.model, out);
    a.insert(a.end(), {"--decoding", "d3", "--guidance", "0.5"});
    r = runProcess(a);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(contains(r.err, "--item-scores"), r.err.c_str());
    QVERIFY(!fs::exists(out));

    const fs::path scores = f.dir.path() / "scores.safetensors";
    flower::model::writeSafetensors(scores, {{"scores", torch::zeros({3, 5})}});
    a.insert(a.end(), {"--item-scores", scores.string()});
    r = runProcess(a);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(contains(r.err, "scores.safetensors") && contains(r.err, "[3, 24]"), r.err.c_str());
    QVERIFY(!fs::exists(out));

    r = runProcess({FLOWER_CLI_PATH, "recommend", (f.dir.path() / "nowhere").string(), "--dataset",
                    f.dataset.string(), "--out", out.string()});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(contains(r.err, "config.json"), r.err.c_str());
    QVERIFY(!fs::exists(out));
}

// The prompts name a dataset's category as training does (text::categoryWordsFor): the same
// data in a folder named CDs_and_Vinyl gets the reference's CDs words ("musicss" in the input,
// verbatim), the synthetic folder the Movies words.
void TestCliRecommend::promptsUseTheDatasetsCategoryWords() {
    Fixture f;
    const fs::path cds = f.dir.path() / "CDs_and_Vinyl";
    fs::copy(f.dataset, cds, fs::copy_options::recursive);
    const auto inputOf = [&](const fs::path& dataset, const std::string& name) {
        const fs::path out = f.dir.path() / (name + ".json");
        auto a = f.args(f.model, out);
        a[4] = dataset.string();  // the values of --dataset, --rows and --beams
        a[8] = "1";
        a[10] = "2";
        const auto r = runProcess(a);
        if (r.exitCode != 0) throw std::runtime_error(r.err);
        std::ifstream in(out);
        return nlohmann::json::parse(in).at(0).at("input").get<std::string>();
    };
    const std::string cdsInput = inputOf(cds, "cds");
    QVERIFY2(cdsInput.rfind("### User Input: \nThe user has enjoyed the following musicss before: ", 0) == 0,
             cdsInput.c_str());
    const std::string moviesInput = inputOf(f.dataset, "movies");
    QVERIFY2(moviesInput.rfind("### User Input: \nThe user has enjoyed the following movies before: ", 0) == 0,
             moviesInput.c_str());
}

FLOWER_TEST_MAIN(TestCliRecommend, writesTheReferenceLayout, rejectsBadInput,
                 promptsUseTheDatasetsCategoryWords)

#ifdef FLOWER_TEST_QT
#include "test_cli_recommend.moc"
#endif
