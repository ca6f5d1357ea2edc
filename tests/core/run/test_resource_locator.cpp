// ResourceLocator: dataset and model names become folders in a fixed search order; synthetic
// specs become generator settings; every failure names the field and what was searched.
#include "core/run/resource_locator.h"
#include "core/util/error.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <cstdlib>

using flower::test::contains;
using flower::test::errorOf;
using flower::test::TempDir;

class TestResourceLocator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesSyntheticSpec();
    void rejectsBadSyntheticSpec();
    void findsDatasetInDataDir();
    void explainsMissingDataset();
    void findsModelDirectoryByName();
    void rejectsModelFolderWithoutConfig();
    void recognisesPresets();
    void cpuDeviceIsAlwaysThere();
};

void TestResourceLocator::parsesSyntheticSpec() {
    const auto c = flower::run::parseSyntheticSpec("synthetic:items=100,users=2000,seed=7,zipf=1.1");
    QCOMPARE(c.items, 100);
    QCOMPARE(c.users, 2000);
    QCOMPARE(c.seed, std::uint64_t{7});
    QCOMPARE(c.zipf, 1.1);
    const auto defaults = flower::run::parseSyntheticSpec("synthetic:items=50");
    QCOMPARE(defaults.users, flower::data::SyntheticConfig{}.users);
    QVERIFY(flower::run::isSyntheticSpec("synthetic:items=5"));
    QVERIFY(!flower::run::isSyntheticSpec("Movies_and_TV"));
}

void TestResourceLocator::rejectsBadSyntheticSpec() {
    const auto unknown = errorOf([] { flower::run::parseSyntheticSpec("synthetic:itemz=5"); });
    QVERIFY2(contains(unknown, "field dataset") && contains(unknown, "itemz"), unknown.c_str());
    const auto negative = errorOf([] { flower::run::parseSyntheticSpec("synthetic:zipf=-1"); });
    QVERIFY2(contains(negative, "zipf=-1"), negative.c_str());
    const auto range = errorOf([] { flower::run::parseSyntheticSpec("synthetic:items=1"); });
    QVERIFY2(contains(range, "items"), range.c_str());  // SyntheticConfig::validate: 10 … 1e6
}

void TestResourceLocator::findsDatasetInDataDir() {
    TempDir root("locator");
    std::filesystem::create_directories(root.path() / "MyData");
    ::setenv("FLOWER_DATA_DIR", root.path().c_str(), 1);
    QCOMPARE(flower::run::resolveDatasetDir("MyData").string(), (root.path() / "MyData").string());
    // A path is taken as given.
    const auto path = (root.path() / "MyData").string();
    QCOMPARE(flower::run::resolveDatasetDir(path).string(), path);
    ::unsetenv("FLOWER_DATA_DIR");
}

void TestResourceLocator::explainsMissingDataset() {
    TempDir root("locator");
    ::setenv("FLOWER_DATA_DIR", root.path().c_str(), 1);
    const auto message = errorOf([] { flower::run::resolveDatasetDir("NoSuchData"); });
    QVERIFY2(contains(message, "field dataset") && contains(message, root.path().string()) &&
                 contains(message, "FLOWER_DATA_DIR"),
             message.c_str());
    ::unsetenv("FLOWER_DATA_DIR");
    const auto missingPath = errorOf([] { flower::run::resolveDatasetDir("/no/such/folder"); });
    QVERIFY2(contains(missingPath, "/no/such/folder does not exist"), missingPath.c_str());
}

void TestResourceLocator::findsModelDirectoryByName() {
    TempDir root("locator");
    root.write("Qwen2.5-1.5B/config.json", "{}");
    ::setenv("FLOWER_MODELS_DIR", root.path().c_str(), 1);
    QCOMPARE(flower::run::resolveModelDir("Qwen2.5-1.5B").string(),
             (root.path() / "Qwen2.5-1.5B").string());
    ::unsetenv("FLOWER_MODELS_DIR");
}

void TestResourceLocator::rejectsModelFolderWithoutConfig() {
    TempDir root("locator");
    std::filesystem::create_directories(root.path() / "empty");
    const auto dir = (root.path() / "empty").string();
    const auto message = errorOf([&] { flower::run::resolveModelDir(dir); });
    QVERIFY2(contains(message, "field model") && contains(message, "config.json") &&
                 contains(message, dir),
             message.c_str());
}

void TestResourceLocator::recognisesPresets() {
    QVERIFY(flower::run::isModelPreset("tiny"));
    QVERIFY(flower::run::isModelPreset("nano"));
    QVERIFY(!flower::run::isModelPreset("Qwen2.5-1.5B"));
}

void TestResourceLocator::cpuDeviceIsAlwaysThere() {
    QCOMPARE(flower::run::resolveDevice(flower::run::DeviceChoice::Cpu), std::string("cpu"));
    const std::string automatic = flower::run::resolveDevice(flower::run::DeviceChoice::Auto);
    QVERIFY(automatic == "cpu" || automatic == "cuda");
}

FLOWER_TEST_MAIN(TestResourceLocator, parsesSyntheticSpec, rejectsBadSyntheticSpec,
                 findsDatasetInDataDir, explainsMissingDataset, findsModelDirectoryByName,
                 rejectsModelFolderWithoutConfig, recognisesPresets, cpuDeviceIsAlwaysThere)
#ifdef FLOWER_TEST_QT
#include "test_resource_locator.moc"
#endif
