// The derived reward and group files on the paper's Movies and TV dataset: counting the titles
// of ../shared's train.csv histories with TitleInteractions and writing them as the reference's
// notebook does gives reference_title_interaction.json and reference_group_title_8.json byte
// for byte (both shared files come from the authors). Skips when ../shared is absent.
#include "core/data/dataset.h"
#include "core/prepare/title_interactions.h"
#include "tests/support/flower_test.h"

#include <fstream>
#include <sstream>

namespace {

std::string readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

flower::prepare::TitleInteractions moviesTrainHistories(const std::filesystem::path& shared) {
    const auto d = flower::data::loadDataset(shared / "data" / "Movies_and_TV");
    flower::prepare::TitleInteractions counts;
    for (const auto& row : d.train.rows()) {
        for (const auto id : row.history) counts.add(d.catalog.title(id));
    }
    return counts;
}

std::string firstDifference(const std::string& a, const std::string& b) {
    std::size_t at = 0;
    while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
    return "first difference at byte " + std::to_string(at) + " of " + std::to_string(a.size()) + " / " +
           std::to_string(b.size()) + ": \"" + a.substr(at, 60) + "\" vs \"" + b.substr(at, 60) + "\"";
}

}  // namespace

class TestPrepareReferenceFiles : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void titleInteractionsEqualTheShared();
    void groupsEqualTheShared();
};

void TestPrepareReferenceFiles::titleInteractionsEqualTheShared() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto counts = moviesTrainHistories(shared);
    QCOMPARE(counts.entries().size(), std::size_t{2571});  // ../shared/README.md
    const std::string expected = readFile(shared / "data" / "Movies_and_TV" / "reference_title_interaction.json");
    const std::string actual = counts.interactionJson();
    QVERIFY2(actual == expected, firstDifference(actual, expected).c_str());
}

void TestPrepareReferenceFiles::groupsEqualTheShared() {
    FLOWER_REQUIRE_SHARED(shared);
    const auto counts = moviesTrainHistories(shared);
    const std::string expected = readFile(shared / "data" / "Movies_and_TV" / "reference_group_title_8.json");
    const std::string actual = counts.groupJson(8);
    QVERIFY2(actual == expected, firstDifference(actual, expected).c_str());
}

FLOWER_TEST_MAIN(TestPrepareReferenceFiles, titleInteractionsEqualTheShared, groupsEqualTheShared)
#ifdef FLOWER_TEST_QT
#include "test_prepare_reference_files.moc"
#endif
