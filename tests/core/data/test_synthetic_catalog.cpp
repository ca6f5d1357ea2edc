// The synthetic catalogue: deterministic per seed, loads back through the reader, and has the
// structure it promises (shared title prefixes, popularity skew, genre tastes, franchise
// continuation, chronological 8:1:1 split) — each measured against what chance would give.
#include "core/data/synthetic_catalog.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>

using namespace flower::data;
using flower::test::TempDir;

namespace {

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string folderBytes(const std::filesystem::path& dir) {
    std::string all;
    for (const char* f : {"items.tsv", "train.csv", "valid.csv", "test.csv"}) {
        all += std::string(f) + "\n" + slurp(dir / f);
    }
    return all;
}

bool startsWith(const std::string& s, const std::string& head) { return s.rfind(head, 0) == 0; }

// Share of training history positions that fall on the most popular 10% of items.
double topDecileShare(const SyntheticDataset& s) {
    std::vector<std::int64_t> counts(s.dataset.catalog.size(), 0);
    std::int64_t total = 0;
    for (const auto& r : s.dataset.train.rows()) {
        for (const ItemId id : r.history) {
            ++counts[static_cast<std::size_t>(id)];
            ++total;
        }
    }
    std::sort(counts.rbegin(), counts.rend());
    std::int64_t top = 0;
    for (std::size_t k = 0; k < counts.size() / 10; ++k) top += counts[k];
    return static_cast<double>(top) / static_cast<double>(total);
}

}  // namespace

class TestSyntheticCatalog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void deterministicPerSeed();
    void loadsBackThroughReader();
    void titlesSharePrefixes();
    void popularityIsSkewed();
    void usersFollowTastes();
    void franchisesContinueInHistories();
    void splitsChronologically();
    void validatesConfig();

private:
    std::optional<SyntheticDataset> s_;  // the default configuration
};

void TestSyntheticCatalog::initTestCase() { s_ = generateSynthetic(SyntheticConfig{}); }

void TestSyntheticCatalog::deterministicPerSeed() {
    SyntheticConfig c;
    c.items = 120;
    c.users = 300;
    c.seed = 7;
    TempDir a("synth"), b("synth"), other("synth");
    writeDataset(generateSynthetic(c).dataset, a.path());
    writeDataset(generateSynthetic(c).dataset, b.path());
    c.seed = 8;
    writeDataset(generateSynthetic(c).dataset, other.path());
    QVERIFY(folderBytes(a.path()) == folderBytes(b.path()));
    QVERIFY(folderBytes(a.path()) != folderBytes(other.path()));
    QVERIFY(slurp(a.path() / "items.tsv") != slurp(other.path() / "items.tsv"));
}

void TestSyntheticCatalog::loadsBackThroughReader() {
    TempDir dir("synth");
    writeDataset(s_->dataset, dir.path());
    const Dataset back = loadDataset(dir.path());
    QCOMPARE(back.catalog.titles(), s_->dataset.catalog.titles());
    const std::pair<const InteractionSplit*, const InteractionSplit*> splits[] = {
        {&back.train, &s_->dataset.train}, {&back.valid, &s_->dataset.valid},
        {&back.test, &s_->dataset.test}};
    for (const auto& [read, made] : splits) {
        QCOMPARE(read->size(), made->size());
        for (std::size_t i = 0; i < read->size(); ++i) {
            const auto& x = read->rows()[i];
            const auto& y = made->rows()[i];
            QVERIFY(x.history == y.history && x.target == y.target && x.user == y.user &&
                    x.historyRatings == y.historyRatings && x.rating == y.rating &&
                    x.historyTimestamps == y.historyTimestamps && x.timestamp == y.timestamp);
        }
    }
    QCOMPARE(s_->dataset.catalog.size(), std::size_t{400});
    QCOMPARE(s_->sequences.size(), std::size_t{2000});
}

void TestSyntheticCatalog::titlesSharePrefixes() {
    const auto& titles = s_->dataset.catalog.titles();
    // A title "shares a prefix" when it is a word prefix of another title or has one.
    std::size_t sharing = 0, sequels = 0, seasons = 0, editions = 0;
    const std::set<std::string> all(titles.begin(), titles.end());
    for (const auto& t : titles) {
        bool shares = false;
        for (const auto& u : titles) {
            if (u.size() > t.size() && (startsWith(u, t + " ") || startsWith(u, t + ":"))) shares = true;
            if (t.size() > u.size() && (startsWith(t, u + " ") || startsWith(t, u + ":"))) shares = true;
        }
        sharing += shares ? 1 : 0;
        sequels += all.count(t + " II");
        const std::string two = ": Season Two";
        if (t.size() > two.size() && t.compare(t.size() - two.size(), two.size(), two) == 0) {
            seasons += all.count(t.substr(0, t.size() - two.size()) + ": Season One");
        }
        editions += all.count(t + " [Blu-ray]") + all.count(t + " (Special Edition)") +
                    all.count(t + " VHS");
    }
    std::printf("titles sharing a word prefix: %zu of %zu; sequels II: %zu; series with seasons "
                "one and two: %zu; editions: %zu\n", sharing, titles.size(), sequels, seasons,
                editions);
    QVERIFY2(sharing * 10 > titles.size() * 4, std::to_string(sharing).c_str());  // > 40%
    QVERIFY2(sequels >= 3, std::to_string(sequels).c_str());
    QVERIFY2(seasons >= 3, std::to_string(seasons).c_str());
    QVERIFY2(editions >= 3, std::to_string(editions).c_str());
    // A few titles repeat under two ids, as in real catalogues.
    QVERIFY(s_->dataset.catalog.distinctTitles() < titles.size());
    QVERIFY(s_->dataset.catalog.distinctTitles() * 100 > titles.size() * 95);
}

void TestSyntheticCatalog::popularityIsSkewed() {
    SyntheticConfig flat, steep;
    flat.zipf = 0;
    steep.zipf = 1.2;
    const double even = topDecileShare(generateSynthetic(flat));
    const double skewed = topDecileShare(*s_);  // the default exponent, 0.65
    const double steeper = topDecileShare(generateSynthetic(steep));
    std::printf("top-10%% items' share of training history positions: zipf 0: %.3f, "
                "0.65: %.3f, 1.2: %.3f\n", even, skewed, steeper);
    // Uniform popularity would give the top 10% of items about 10% of the interactions (a bit
    // more here from genre tastes and franchise continuation); the share grows with the exponent.
    QVERIFY(even < 0.25);
    QVERIFY(skewed > 0.3 && skewed > even + 0.1);
    QVERIFY(steeper > skewed + 0.1);
}

void TestSyntheticCatalog::usersFollowTastes() {
    // The most frequent genre of a user's sequence; with 8 genres and no taste it would hold
    // roughly a quarter of a 5-20 item sequence.
    double share = 0;
    for (const auto& seq : s_->sequences) {
        std::map<int, int> genres;
        for (const ItemId id : seq) ++genres[s_->items[static_cast<std::size_t>(id)].genre];
        int top = 0;
        for (const auto& [g, n] : genres) top = std::max(top, n);
        share += static_cast<double>(top) / static_cast<double>(seq.size());
    }
    share /= static_cast<double>(s_->sequences.size());
    std::printf("mean share of a user's most frequent genre: %.3f\n", share);
    QVERIFY2(share > 0.5, std::to_string(share).c_str());
}

void TestSyntheticCatalog::franchisesContinueInHistories() {
    // Adjacent history pairs (a, b) where a has a next franchise entry: how often b is one of
    // that entry's items, against the chance of picking one of them uniformly from the catalogue.
    std::map<std::pair<int, int>, int> partSize;  // (franchise, part) → items
    for (const auto& it : s_->items) {
        if (it.franchise >= 0) ++partSize[{it.franchise, it.part}];
    }
    std::int64_t pairs = 0, continued = 0;
    double chance = 0;
    const double n = static_cast<double>(s_->items.size());
    for (const auto& r : s_->dataset.train.rows()) {
        for (std::size_t k = 0; k + 1 < r.history.size(); ++k) {
            const SyntheticItem& a = s_->items[static_cast<std::size_t>(r.history[k])];
            const auto next = partSize.find({a.franchise, a.part + 1});
            if (a.franchise < 0 || next == partSize.end()) continue;
            const SyntheticItem& b = s_->items[static_cast<std::size_t>(r.history[k + 1])];
            ++pairs;
            continued += b.franchise == a.franchise && b.part == a.part + 1 ? 1 : 0;
            chance += next->second / n;
        }
    }
    QVERIFY(pairs > 1000);
    const double rate = static_cast<double>(continued) / static_cast<double>(pairs);
    chance /= static_cast<double>(pairs);
    std::printf("franchise continuation in adjacent history pairs: %.3f (chance %.4f, %lld pairs)\n",
                rate, chance, static_cast<long long>(pairs));
    QVERIFY2(rate > 0.3 && rate > 20 * chance,
             (std::to_string(rate) + " vs chance " + std::to_string(chance)).c_str());
}

void TestSyntheticCatalog::splitsChronologically() {
    const Dataset& d = s_->dataset;
    const std::size_t n = d.train.size() + d.valid.size() + d.test.size();
    QCOMPARE(d.train.size(), n * 8 / 10);
    QCOMPARE(d.valid.size(), n / 10);
    const auto last = [](const InteractionSplit& s) {
        std::int64_t t = INT64_MIN;
        for (const auto& r : s.rows()) t = std::max(t, *r.timestamp);
        return t;
    };
    const auto first = [](const InteractionSplit& s) {
        std::int64_t t = INT64_MAX;
        for (const auto& r : s.rows()) t = std::min(t, *r.timestamp);
        return t;
    };
    QVERIFY(last(d.train) <= first(d.valid));
    QVERIFY(last(d.valid) <= first(d.test));
    std::size_t longest = 0;
    for (const auto& r : d.train.rows()) {
        longest = std::max(longest, r.history.size());
        QVERIFY(!r.history.empty());
        QVERIFY(std::is_sorted(r.historyTimestamps.begin(), r.historyTimestamps.end()));
        QVERIFY(r.historyTimestamps.back() <= *r.timestamp);
    }
    QCOMPARE(longest, std::size_t{10});
}

void TestSyntheticCatalog::validatesConfig() {
    SyntheticConfig c;
    c.items = 5;
    try {
        generateSynthetic(c);
        QFAIL("no error for 5 items");
    } catch (const flower::Error& e) {
        QCOMPARE(e.where().field, std::string("items"));
    }
    c = SyntheticConfig{};
    c.zipf = -1;
    QVERIFY_THROWS_EXCEPTION(flower::Error, generateSynthetic(c));
    c = SyntheticConfig{};
    c.users = 3;
    QVERIFY_THROWS_EXCEPTION(flower::Error, generateSynthetic(c));
}

FLOWER_TEST_MAIN(TestSyntheticCatalog, deterministicPerSeed, loadsBackThroughReader,
                 titlesSharePrefixes, popularityIsSkewed, usersFollowTastes,
                 franchisesContinueInHistories, splitsChronologically, validatesConfig)
#ifdef FLOWER_TEST_QT
#include "test_synthetic_catalog.moc"
#endif
