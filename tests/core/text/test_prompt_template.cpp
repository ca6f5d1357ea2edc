// PromptTemplate: the BIGRec layout against the 300 golden prompts (text and Qwen ids), the
// short layout, target tokens, errors.
#include "core/text/prompt_template.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/core/text/tiny_tokenizer.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using flower::text::PromptTemplate;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
std::vector<std::string> splitOn(const std::string& s, const std::string& sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t at; (at = s.find(sep, start)) != std::string::npos; start = at + sep.size()) {
        parts.push_back(s.substr(start, at - start));
    }
    parts.push_back(s.substr(start));
    return parts;
}
}  // namespace

class TestPromptTemplate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bigRecByHand();
    void categoryWordsAreTheReferencesPerDataset();
    void shortLayout();
    void historyFreeLayout();
    void targetIsTitleThenTermination();
    void matchesGoldenPrompts();
    void rejectsUnknownLayout();
};

void TestPromptTemplate::bigRecByHand() {
    const auto p = PromptTemplate::bigRec("movies", "movie");
    const std::vector<std::string> history = {"Cars", "Cars 2"};
    QCOMPARE(p.render(history),
             std::string("Below is an instruction that describes a task, paired with an input that "
                         "provides further context. Write a response that appropriately completes "
                         "the request. \n\n### Instruction:\nGiven a list of movies the user "
                         "recently enjoy, please write a new movie that the user may bought\n\n"
                         "### User Input: \nThe user has enjoyed the following movies before: "
                         "Cars, Cars 2\n\n### Response: \n"));
    QCOMPARE(p.render(history), p.instructionPart() + p.inputPart(history));
    QCOMPARE(p.layoutName(), std::string("bigrec"));
}

// The reference's prompts (train_sft.py/evaluate.py category_dict, dataset.py D3Dataset) typed
// out for CDs and Games: one word C in both instruction slots, "following {C}s" in the input.
void TestPromptTemplate::categoryWordsAreTheReferencesPerDataset() {
    using flower::text::categoryWordsFor;
    const std::vector<std::string> history = {"Abbey Road", "Kind of Blue"};
    const std::string head =
        "Below is an instruction that describes a task, paired with an input that provides "
        "further context. Write a response that appropriately completes the request. \n\n"
        "### Instruction:\n";
    QCOMPARE(PromptTemplate::bigRec(categoryWordsFor("/data/CDs_and_Vinyl")).render(history),
             head + "Given a list of musics the user recently enjoy, please write a new musics "
                    "that the user may bought\n\n### User Input: \nThe user has enjoyed the "
                    "following musicss before: Abbey Road, Kind of Blue\n\n### Response: \n");
    QCOMPARE(PromptTemplate::fromName("bigrec", categoryWordsFor("root/info/Video_Games_5_2015-10-2018-11.txt"))
                 .render(history),
             head + "Given a list of video games the user recently enjoy, please write a new "
                    "video games that the user may bought\n\n### User Input: \nThe user has "
                    "enjoyed the following video gamess before: Abbey Road, Kind of Blue\n\n"
                    "### Response: \n");
    // Movies (and anything else) keeps the words the Movies runs were made with.
    for (const char* d : {"Movies_and_TV", "synthetic:items=40", ""}) {
        QCOMPARE(PromptTemplate::bigRec(categoryWordsFor(d)).render(history),
                 PromptTemplate::bigRec("movies", "movie").render(history));
    }
    const auto ref = flower::text::CategoryWords::referenceMovies();
    QCOMPARE(ref.list, std::string("movies and TV"));
    QCOMPARE(ref.history, std::string("movies and TVs"));
    // history_free ignores the category: the RQ1 prompt keeps "movie".
    QCOMPARE(PromptTemplate::fromName("history_free", categoryWordsFor("Movies_and_TV")).render({}),
             PromptTemplate::historyFree("movie").render({}));
}

void TestPromptTemplate::shortLayout() {
    const auto p = PromptTemplate::fromName("short");
    const std::vector<std::string> history = {"A", "B"};
    QCOMPARE(p.render(history), std::string("History: A; B\nNext: "));
}

// The reference's without_history/gfn prompt (lightning_data.py, category "movie"), typed out.
void TestPromptTemplate::historyFreeLayout() {
    const auto p = PromptTemplate::fromName("history_free", "movies", "movie");
    const std::vector<std::string> history = {"Ignored"};
    const std::string expected =
        "Below is an instruction that describes a task. Write a response that appropriately "
        "completes the request.\n### Instruction:\nPlease recommend a movie to the user. Directly "
        "output the title of the movie.\n### Response:\n";
    QCOMPARE(p.render(history), expected);
    QCOMPARE(p.render({}), expected);
    QCOMPARE(p.instructionPart(), expected);
    QCOMPARE(p.inputPart(history), std::string());
    QCOMPARE(p.layoutName(), std::string("history_free"));
}

void TestPromptTemplate::targetIsTitleThenTermination() {
    const auto tok = flower::text::Tokenizer::fromJsonText(flower::test::tinyTokenizerJson().dump(), "tiny");
    QCOMPARE(PromptTemplate::targetTokens(tok, "abc", 10), (Ids{257, 10}));
}

void TestPromptTemplate::matchesGoldenPrompts() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto tokPath = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(tokPath)) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const auto tok = flower::text::Tokenizer::fromFile(tokPath);
    const auto p = PromptTemplate::bigRec("movies", "movie");
    const std::string lead = "The user has enjoyed the following movies before: ";
    const std::string tail = "\n\n### Response: \n";
    std::ifstream in(shared / "fixtures/qwen2.5-tokenizer-golden-movies.jsonl");
    std::string line;
    int prompts = 0;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        const std::string text = j.at("text").get<std::string>();
        if (!text.starts_with("Below is an instruction")) continue;
        const auto a = text.find(lead);
        QVERIFY(a != std::string::npos && text.ends_with(tail));
        const std::string historyText = text.substr(a + lead.size(), text.size() - tail.size() - a - lead.size());
        const std::string rendered = p.render(splitOn(historyText, ", "));
        QCOMPARE(rendered, text);
        QCOMPARE(tok.encode(rendered), j.at("ids").get<Ids>());
        ++prompts;
    }
    QCOMPARE(prompts, 300);
}

void TestPromptTemplate::rejectsUnknownLayout() {
    QVERIFY_THROWS_EXCEPTION(flower::Error, PromptTemplate::fromName("alpaca"));
}

FLOWER_TEST_MAIN(TestPromptTemplate, bigRecByHand, categoryWordsAreTheReferencesPerDataset, shortLayout, historyFreeLayout,
                 targetIsTitleThenTermination,
                 matchesGoldenPrompts, rejectsUnknownLayout)
#ifdef FLOWER_TEST_QT
#include "test_prompt_template.moc"
#endif
