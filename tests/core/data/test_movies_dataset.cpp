// The real Movies_and_TV dataset of the Flower paper (../shared): row counts, item rewards and
// popularity groups against the reference's own files, and the reference's DGU/MGU baseline.
#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "tests/support/flower_test.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace flower::data;

namespace {
nlohmann::json readJson(const std::filesystem::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}
}  // namespace

class TestMoviesDataset : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void rowCounts();
    void idsAgreeWithTitles();
    void rewardsEqualReference();
    void groupsEqualReference();
    void historyDistributionEqualsReference();
    void targetDistributionCountsEveryTarget();

private:
    std::filesystem::path dir_;
    std::optional<Dataset> data_;
};

void TestMoviesDataset::initTestCase() {
    FLOWER_REQUIRE_SHARED(shared);
    dir_ = shared / "data" / "Movies_and_TV";
    data_ = loadDataset(dir_);
}

void TestMoviesDataset::rowCounts() {
    QCOMPARE(data_->catalog.size(), std::size_t{2653});
    QCOMPARE(data_->train.size(), std::size_t{21937});
    QCOMPARE(data_->valid.size(), std::size_t{2742});
    QCOMPARE(data_->test.size(), std::size_t{2743});
    // 53 titles repeat: 52 under two ids, "4 Film Favorites" under three (`cut -f1 items.tsv |
    // sort -u | wc -l` gives 2599).
    QCOMPARE(data_->catalog.distinctTitles(), std::size_t{2599});
    QCOMPARE(data_->catalog.idsOfTitle("4 Film Favorites").size(), std::size_t{3});
    QVERIFY(data_->valid.hasUsers() && data_->valid.hasRatings() && data_->valid.hasTimestamps());
    QVERIFY(!data_->train.hasUsers());
}

void TestMoviesDataset::idsAgreeWithTitles() {
    // The first valid row, read by eye from valid.csv.
    const InteractionRow& row = data_->valid.rows().front();
    QCOMPARE(row.user, std::string("A3EGUK5QLOAE9R"));
    QCOMPARE(row.history, (std::vector<ItemId>{1338, 1181}));
    QCOMPARE(row.target, ItemId{623});
    QCOMPARE(data_->catalog.title(row.target), std::string("Gremlins"));
    QCOMPARE(row.historyRatings, (std::vector<double>{5.0, 5.0}));
    QCOMPARE(*row.timestamp, std::int64_t{1524182400});
    QCOMPARE(row.line, std::int64_t{2});
}

void TestMoviesDataset::rewardsEqualReference() {
    const Popularity pop(data_->catalog, data_->train);
    const nlohmann::json ref = readJson(dir_ / "reference_title_interaction.json");
    QCOMPARE(pop.titles().size(), std::size_t{2571});
    QCOMPARE(pop.titles().size(), ref.size());
    for (const auto& [title, count] : ref.items()) {
        QVERIFY2(pop.reward(title) == count.get<std::int64_t>(), title.c_str());
    }
    // Keyed by id: both ids of a repeated title carry the title's count.
    for (std::size_t id = 0; id < data_->catalog.size(); ++id) {
        const std::string& title = data_->catalog.title(static_cast<ItemId>(id));
        const std::int64_t expected = ref.contains(title) ? ref[title].get<std::int64_t>() : 0;
        QCOMPARE(pop.itemRewards()[id], expected);
    }
}

void TestMoviesDataset::groupsEqualReference() {
    const Popularity pop(data_->catalog, data_->train);
    const PopularityGroups groups(pop, 8);
    const nlohmann::json ref = readJson(dir_ / "reference_group_title_8.json");
    QCOMPARE(groups.count(), 8);
    for (int g = 0; g < 8; ++g) {
        QCOMPARE(groups.groups()[static_cast<std::size_t>(g)],
                 ref.at(std::to_string(g)).get<std::vector<std::string>>());
    }
    QCOMPARE(groups.sizes(), (std::vector<std::int64_t>{322, 322, 322, 321, 321, 321, 321, 321}));
}

void TestMoviesDataset::historyDistributionEqualsReference() {
    const Popularity pop(data_->catalog, data_->train);
    const PopularityGroups groups(pop, 8);
    const GroupDistribution d = groups.historyDistribution(data_->catalog, data_->train);
    QCOMPARE(d.outside, std::int64_t{0});

    // Expected shares from the reference files alone: the interaction counts of each group's
    // titles over all interactions.
    const nlohmann::json counts = readJson(dir_ / "reference_title_interaction.json");
    const nlohmann::json refGroups = readJson(dir_ / "reference_group_title_8.json");
    double total = 0;
    for (const auto& [title, c] : counts.items()) total += c.get<double>();
    // The values hard-coded in the reference's calc.py (gh_genre for Movies_and_TV).
    const std::vector<double> calcPy = {0.3926707980937671,  0.17973591516133286,
                                        0.1274746180941438,  0.09763792876113696,
                                        0.07813294656143457, 0.060718792970295164,
                                        0.043097440147676545, 0.02053156021021304};
    for (int g = 0; g < 8; ++g) {
        double sum = 0;
        for (const auto& title : refGroups.at(std::to_string(g))) {
            sum += counts.at(title.get<std::string>()).get<double>();
        }
        const double share = d.shares[static_cast<std::size_t>(g)];
        QVERIFY2(std::abs(share - sum / total) < 1e-12, std::to_string(g).c_str());
        QVERIFY2(std::abs(share - calcPy[static_cast<std::size_t>(g)]) < 1e-12,
                 std::to_string(g).c_str());
    }
}

void TestMoviesDataset::targetDistributionCountsEveryTarget() {
    const Popularity pop(data_->catalog, data_->train);
    const PopularityGroups groups(pop, 8);
    const GroupDistribution d = groups.targetDistribution(data_->catalog, data_->train);
    std::int64_t sum = d.outside;
    for (const auto c : d.counts) sum += c;
    QCOMPARE(sum, std::int64_t{21937});
    // Targets whose title never occurs in a training history, counted by brute force.
    std::int64_t outside = 0;
    for (const auto& row : data_->train.rows()) {
        outside += pop.reward(data_->catalog.title(row.target)) == 0 ? 1 : 0;
    }
    QCOMPARE(d.outside, outside);
    QVERIFY(outside > 0);
}

FLOWER_TEST_MAIN(TestMoviesDataset, rowCounts, idsAgreeWithTitles, rewardsEqualReference,
                 groupsEqualReference, historyDistributionEqualsReference,
                 targetDistributionCountsEveryTarget)
#ifdef FLOWER_TEST_QT
#include "test_movies_dataset.moc"
#endif
