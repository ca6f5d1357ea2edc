// flower::Error: the location prefix of user-facing messages.
#include "core/util/error.h"
#include "tests/support/flower_test.h"

class TestError : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void composesFileLineField();
    void omitsMissingParts();
    void keepsDetailApart();
};

void TestError::composesFileLineField() {
    const flower::Error e({"train.csv", 812, "history_item_title"}, "expected a list literal");
    QCOMPARE(std::string(e.what()),
             std::string("train.csv line 812, field history_item_title: expected a list literal"));
}

void TestError::omitsMissingParts() {
    QCOMPARE(std::string(flower::Error({"items.tsv", 0, ""}, "missing").what()),
             std::string("items.tsv: missing"));
    QCOMPARE(std::string(flower::Error({"", 3, ""}, "bad").what()), std::string("line 3: bad"));
    QCOMPARE(std::string(flower::Error({"", 0, "lr"}, "negative").what()),
             std::string("field lr: negative"));
    QCOMPARE(std::string(flower::Error("plain").what()), std::string("plain"));
}

void TestError::keepsDetailApart() {
    const flower::Error e({"a.json", 2, "method"}, "unknown");
    QCOMPARE(e.detail(), std::string("unknown"));
    QCOMPARE(e.where().line, std::int64_t{2});
    QCOMPARE(e.where().field, std::string("method"));
}

FLOWER_TEST_MAIN(TestError, composesFileLineField, omitsMissingParts, keepsDetailApart)
#ifdef FLOWER_TEST_QT
#include "test_error.moc"
#endif
