// Config flattening (dotted keys, --set values), the keys that differ across runs, grouping
// by one key, and run id lists — each against hand-written expectations.
#include "core/compare/config_flattening.h"
#include "core/compare/run_grouping.h"
#include "core/compare/run_id_list.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"

using namespace flower::compare;

class TestConfigFlattening : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void dottedKeysInSetForm();
    void notAnObject();
    void differingKeysAndEqualColumns();
    void groupsByOneKey();
    void runIdLists();
};

void TestConfigFlattening::dottedKeysInSetForm() {
    const auto f = flattenConfig(
        R"({"lambda": 0.1, "name": "a b", "reward": {"variant": "flow", "extra": {}},
            "k": [5, 10], "on": true, "none": null, "seed": 3, "inf": "inf"})");
    const FlatConfig expected = {{"inf", "inf"},        {"k", "[5,10]"},
                                 {"lambda", "0.1"},     {"name", "a b"},
                                 {"none", "null"},      {"on", "true"},
                                 {"reward.extra", "{}"}, {"reward.variant", "flow"},
                                 {"seed", "3"}};
    QCOMPARE(f, expected);
    QCOMPARE(flatValue(f, "reward.variant").value_or("?"), std::string("flow"));
    QVERIFY(!flatValue(f, "reward").has_value());
}

void TestConfigFlattening::notAnObject() {
    const auto f = flattenConfig("not json");
    QCOMPARE(f.size(), std::size_t(1));
    QCOMPARE(f[0].key, std::string("config"));
    QCOMPARE(f[0].value, std::string("not json"));
}

// lambda differs, method is equal, seed is missing from the third run (so it differs), name
// differs but comes last.
void TestConfigFlattening::differingKeysAndEqualColumns() {
    const std::vector<FlatConfig> c = {
        flattenConfig(R"({"method": "flower", "lambda": 0.1, "seed": 0, "name": "a"})"),
        flattenConfig(R"({"method": "flower", "lambda": 0.2, "seed": 0, "name": "b"})"),
        flattenConfig(R"({"method": "flower", "lambda": 0.1, "name": "c"})")};
    QCOMPARE(differingKeys(c), (std::vector<std::string>{"lambda", "seed", "name"}));
    const auto v = keyVariation(c);
    QCOMPARE(v.size(), std::size_t(4));
    QCOMPARE(v[1].key, std::string("method"));
    QVERIFY(v[1].equal);
    QVERIFY(!v[3].equal);  // seed
    QCOMPARE(differingKeys({c[0]}), std::vector<std::string>{});
}

void TestConfigFlattening::groupsByOneKey() {
    const std::vector<FlatConfig> c = {flattenConfig(R"({"lambda": 0.1, "seed": 0})"),
                                       flattenConfig(R"({"lambda": 0.2, "seed": 0})"),
                                       flattenConfig(R"({"seed": 1})"),
                                       flattenConfig(R"({"lambda": 0.1, "seed": 1})")};
    const auto g = groupRuns(c, "lambda");
    QCOMPARE(g.size(), std::size_t(3));
    QCOMPARE(g[0].value, std::string("0.1"));
    QCOMPARE(g[0].members, (std::vector<std::size_t>{0, 3}));
    QCOMPARE(g[1].members, (std::vector<std::size_t>{1}));
    QCOMPARE(g[2].value, std::string("—"));
    const auto none = groupRuns(c, "");
    QCOMPARE(none.size(), std::size_t(4));
    QCOMPARE(none[2].members, (std::vector<std::size_t>{2}));
    QCOMPARE(groupLabel("lambda", "0.1"), std::string("λ=0.1"));
    QCOMPARE(groupLabel("reward.variant", "flow"), std::string("variant=flow"));
}

void TestConfigFlattening::runIdLists() {
    QCOMPARE(parseRunIdList("1,3,5-7"), (std::vector<std::int64_t>{1, 3, 5, 6, 7}));
    QCOMPARE(parseRunIdList("4"), (std::vector<std::int64_t>{4}));
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseRunIdList("1,,2"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseRunIdList("7-5"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseRunIdList("x"));
    QVERIFY_THROWS_EXCEPTION(flower::Error, parseRunIdList("-3"));
    try {
        parseRunIdList("1,2a", "--runs");
        QFAIL("no error");
    } catch (const flower::Error& e) {
        QVERIFY(std::string(e.what()).find("\"2a\"") != std::string::npos);
        QVERIFY(std::string(e.what()).find("--runs") != std::string::npos);
    }
}

FLOWER_TEST_MAIN(TestConfigFlattening, dottedKeysInSetForm, notAnObject,
                 differingKeysAndEqualColumns, groupsByOneKey, runIdLists)
#ifdef FLOWER_TEST_QT
#include "test_config_flattening.moc"
#endif
