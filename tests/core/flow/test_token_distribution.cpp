// The reference's token-level process rewards reproduced from its title counts with the default
// Qwen2.5 tokenizer: same keys, every value within 1e-9. Plus the layout on a tiny tree.
#include "core/flow/flow_table.h"
#include "core/util/remove_tree.h"
#include "core/flow/title_rewards.h"
#include "core/flow/title_trie.h"
#include "core/flow/token_distribution.h"
#include "core/text/tokenizer.h"
#include "core/util/error.h"
#include "core/util/paths.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace flower::flow;
using flower::text::TokenId;
using Ids = std::vector<TokenId>;

namespace {
constexpr TokenId kNewline = 198;

nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

// "" when `ours` has the same keys as `reference` and all values within `tol`; else the first
// difference.
std::string compare(const nlohmann::json& ours, const nlohmann::json& reference, double tol) {
    if (ours.size() != reference.size()) {
        return "key count " + std::to_string(ours.size()) + " vs " + std::to_string(reference.size());
    }
    for (const auto& [key, row] : reference.items()) {
        if (!ours.contains(key)) return "missing key " + key;
        const auto& mine = ours.at(key);
        if (mine.size() != row.size()) return "row " + key + " has another number of entries";
        for (const auto& [next, value] : row.items()) {
            if (!mine.contains(next)) return "row " + key + " lacks " + next;
            const double diff = std::abs(mine.at(next).get<double>() - value.get<double>());
            if (!(diff <= tol)) return "row " + key + " entry " + next + " differs by " + std::to_string(diff);
        }
    }
    return "";
}

void checkReference(const std::filesystem::path& rewardsFile, const std::filesystem::path& expected) {
    const auto tokenizerPath = flower::util::defaultTokenizerPath();
    if (!std::filesystem::exists(tokenizerPath)) QSKIP("default tokenizer absent (scripts/setup.sh)");
    const auto tokenizer = flower::text::Tokenizer::fromFile(tokenizerPath);
    QCOMPARE(tokenizer.encode("\n"), (Ids{kNewline}));
    const TitleRewards rewards = readTitleRewardsJson(rewardsFile);
    const auto items = itemsOf(rewards);
    const TitleTrie trie = TitleTrie::build(tokenizer, items, kNewline);
    const FlowTable flows(trie, rewardsForTrie(trie, rewards));
    const auto ours = tokenDistributionJson(flows);
    const std::string diff = compare(ours, readJson(expected), 1e-9);
    QVERIFY2(diff.empty(), diff.c_str());
}
}  // namespace

class TestTokenDistribution : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void layoutOnTinyTree();
    void coarseLayoutOnTinyTree();
    void reproducesMoviesReference();
    void reproducesHistoryFree100();
    void reproducesHistoryFree1500();
    void rejectsBadRewardsFile();
};

void TestTokenDistribution::layoutOnTinyTree() {
    const std::vector<TitleItem> items = {{0, "a"}, {1, "b"}, {2, "c"}};
    const std::vector<Ids> tokens = {{5, 6}, {5}, {7}};
    const TitleTrie trie = TitleTrie::fromTokens(items, tokens, 0);
    const FlowTable flows(trie, std::vector<double>{1, 3, 0});
    const auto j = tokenDistributionJson(flows);
    // Zero-flow title "c" is left out; keys: first, 5, 5-6.
    QCOMPARE(j.size(), std::size_t{3});
    QCOMPARE(j.at("first").size(), std::size_t{1});
    QCOMPARE(j.at("first").at("5").get<double>(), 0.0);
    QCOMPARE(j.at("5").at("0").get<double>(), std::log(3.0 / 4.0));
    QCOMPARE(j.at("5").at("6").get<double>(), std::log(1.0 / 4.0));
    QCOMPARE(j.at("5-6").at("0").get<double>(), 0.0);
    const auto rows = tokenDistributionRows(flows);
    QCOMPARE(rows.front().key, std::string("first"));
    QCOMPARE(rows.size(), std::size_t{3});
}

void TestTokenDistribution::coarseLayoutOnTinyTree() {
    const std::vector<TitleItem> items = {{0, "a"}, {1, "b"}};
    const std::vector<Ids> tokens = {{5, 6, 7}, {5, 6}};
    const TitleTrie trie = TitleTrie::fromTokens(items, tokens, 0);
    const FlowTable flows(trie, std::vector<double>{1, 1});
    const auto j = tokenDistributionJson(flows, 2);
    // States: first -> "5-6"; "5-6" -> {"0": log 1/2, "7": log 1/2}; "5-6@7" -> {"0": 0}.
    QCOMPARE(j.at("first").at("5-6").get<double>(), 0.0);
    QCOMPARE(j.at("5-6").at("0").get<double>(), std::log(0.5));
    QCOMPARE(j.at("5-6").at("7").get<double>(), std::log(0.5));
    QCOMPARE(j.at("5-6@7").at("0").get<double>(), 0.0);
    QCOMPARE(j.size(), std::size_t{3});
}

void TestTokenDistribution::reproducesMoviesReference() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto dir = shared / "data/Movies_and_TV";
    checkReference(dir / "reference_title_interaction.json", dir / "reference_qwen2.5_token_distribution.json");
}

void TestTokenDistribution::reproducesHistoryFree100() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto dir = shared / "data/Movies_history_free";
    checkReference(dir / "select_100_Movies.json", dir / "Movies_100_token_distri_qwen2.5.json");
}

void TestTokenDistribution::reproducesHistoryFree1500() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto dir = shared / "data/Movies_history_free";
    checkReference(dir / "select_1500_Movies.json", dir / "Movies_1500_token_distri_qwen2.5.json");
}

void TestTokenDistribution::rejectsBadRewardsFile() {
    const auto dir = std::filesystem::temp_directory_path() / "flower_test_token_distribution";
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir / "cut.json") << "{\"A\": 1,\n \"B\": ";
        std::ofstream(dir / "neg.json") << "{\"A\": -1}";
    }
    try {
        readTitleRewardsJson(dir / "cut.json");
        QFAIL("no error for a truncated file");
    } catch (const flower::Error& e) {
        QVERIFY2(std::string(e.what()).find("cut.json line 2") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(flower::Error, readTitleRewardsJson(dir / "neg.json"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, readTitleRewardsJson(dir / "absent.json"));
    flower::util::removeTree(dir);
}

FLOWER_TEST_MAIN(TestTokenDistribution, layoutOnTinyTree, coarseLayoutOnTinyTree,
                 reproducesMoviesReference, reproducesHistoryFree100, reproducesHistoryFree1500,
                 rejectsBadRewardsFile)
#ifdef FLOWER_TEST_QT
#include "test_token_distribution.moc"
#endif
