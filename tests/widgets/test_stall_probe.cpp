// StallProbe: a deliberately blocked event loop shows up in the report; percentiles by nearest
// rank; the JSON report's fields.
#include "widgets/stall_probe.h"
#include "tests/support/flower_gui_test.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <vector>

using flower::widgets::StallProbe;

class TestStallProbe : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void percentilesByNearestRank();
    void measuresABlockedLoop();
    void idleLoopHasNoLongStall();
    void writesTheJsonReport();
};

void TestStallProbe::percentilesByNearestRank() {
    std::vector<double> v;
    for (int i = 1; i <= 100; ++i) v.push_back(i);
    QCOMPARE(StallProbe::percentile(v, 0.50), 50.0);
    QCOMPARE(StallProbe::percentile(v, 0.99), 99.0);
    QCOMPARE(StallProbe::percentile(v, 1.0), 100.0);
    QCOMPARE(StallProbe::percentile({7.0}, 0.99), 7.0);
    QCOMPARE(StallProbe::percentile({}, 0.5), 0.0);
    // 3 values: p50 is the 2nd (ceil(1.5)), p99 the 3rd.
    QCOMPARE(StallProbe::percentile({1.0, 2.0, 30.0}, 0.5), 2.0);
    QCOMPARE(StallProbe::percentile({1.0, 2.0, 30.0}, 0.99), 30.0);
}

void TestStallProbe::measuresABlockedLoop() {
    StallProbe probe(5);
    probe.start();
    QTest::qWait(100);
    // A handler that blocks the GUI thread for 150 ms.
    QTimer::singleShot(0, [] { QThread::msleep(150); });
    // Long enough after the block for the late tick to be delivered (qWait may return right
    // after the handler, before the probe's timer event is processed).
    QTest::qWait(400);
    probe.stop();
    const auto r = probe.report();
    QVERIFY2(r.samples >= 2, qPrintable(QString::number(r.samples)));
    // The late tick shows the block minus at most one interval (it may have been due just
    // before the block began), and not much more than the block.
    QVERIFY2(r.maxMs >= 150.0 - r.intervalMs, qPrintable(QString::number(r.maxMs)));
    QVERIFY2(r.maxMs < 5000.0, qPrintable(QString::number(r.maxMs)));
    QVERIFY(r.p50Ms < r.maxMs);
}

void TestStallProbe::idleLoopHasNoLongStall() {
    StallProbe probe(5);
    probe.start();
    QTest::qWait(300);
    probe.stop();
    const auto r = probe.report();
    QVERIFY(r.samples >= 5);
    // An idle loop: the median tick is nearly on time (generous: test machines are shared).
    QVERIFY2(r.p50Ms < 50.0, qPrintable(QString::number(r.p50Ms)));
}

void TestStallProbe::writesTheJsonReport() {
    QTemporaryDir dir;
    StallProbe probe(5);
    probe.start();
    QTest::qWait(60);
    probe.stop();
    const QString file = dir.filePath("stall.json");
    QString error;
    QVERIFY2(probe.writeReport(file, &error), qPrintable(error));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    for (const char* key : {"samples", "p50_ms", "p99_ms", "max_ms"}) {
        QVERIFY2(o.contains(key), key);
    }
    QCOMPARE(o["samples"].toInteger(), probe.report().samples);
    QCOMPARE(o["max_ms"].toDouble(), probe.report().maxMs);
    QVERIFY(!probe.writeReport(dir.filePath("no/such/folder/stall.json"), &error));
    QVERIFY(error.contains("cannot write the stall report"));
}

FLOWER_GUI_TEST_MAIN(TestStallProbe, percentilesByNearestRank, measuresABlockedLoop,
                     idleLoopHasNoLongStall, writesTheJsonReport)
#include "test_stall_probe.moc"
