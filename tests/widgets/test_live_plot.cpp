// LivePlot and its maths: the debiased EMA against hand-computed values, the min/max envelope
// against a brute-force bucket scan, and the plot's incremental appends (offscreen platform).
#include "widgets/envelope_downsampler.h"
#include "widgets/live_plot.h"
#include "widgets/series_smoothing.h"
#include "tests/support/flower_gui_test.h"

#include "widgets/custom_plot.h"

#include <QTemporaryDir>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using flower::store::ScalarPoint;
using flower::widgets::EnvelopeDownsampler;
using flower::widgets::LivePlot;
using flower::widgets::SeriesSmoothing;

class TestLivePlot : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void emaMatchesHandComputedDebiasedValues();
    void emaSkipsNonFiniteValues();
    void emaIncrementalEqualsWholeSeries();
    void envelopeKeepsEveryBucketsMinMaxAndTheLastPoint();
    void envelopeLeavesSmallSeriesAlone();
    void plotAppendsOnlyNewPoints();
    void plotDownsamplesLongSeriesForDisplayOnly();
    void plotSmoothsTheFullSeries();
    void plotReadoutNamesTheNearestPoints();
    void plotExportsPngPdfSvg();
    void clearedPlotKeepsItsWidth();
};

void TestLivePlot::emaMatchesHandComputedDebiasedValues() {
    // w = 0.5 on 1, 2, 3: last = 0.5, 1.25, 2.125; debias by 1 − 0.5^n = 0.5, 0.75, 0.875.
    const std::vector<double> y = {1, 2, 3};
    const auto s = SeriesSmoothing::smooth(y, 0.5);
    QCOMPARE(s.size(), std::size_t(3));
    QCOMPARE(s[0], 1.0);
    QCOMPARE(s[1], 5.0 / 3.0);
    QCOMPARE(s[2], 17.0 / 7.0);
    // The same as the normalised weighted mean Σ w^{n−i} y_i / Σ w^{n−i} (w = 0.9, 4 points).
    const std::vector<double> z = {4, -1, 2.5, 7};
    const auto t = SeriesSmoothing::smooth(z, 0.9);
    for (std::size_t n = 1; n <= z.size(); ++n) {
        double num = 0;
        double den = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = std::pow(0.9, static_cast<double>(n - 1 - i));
            num += w * z[i];
            den += w;
        }
        QCOMPARE(t[n - 1], num / den);
    }
    // Weight 0: the raw series.
    QCOMPARE(SeriesSmoothing::smooth(z, 0.0), z);
}

void TestLivePlot::emaSkipsNonFiniteValues() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto s = SeriesSmoothing::smooth(std::vector<double>{1, nan, 3}, 0.5);
    QCOMPARE(s[0], 1.0);
    QVERIFY(std::isnan(s[1]));
    // The NaN did not enter: last = 0.25 + 1.5 = 1.75 over 1 − 0.25.
    QCOMPARE(s[2], 7.0 / 3.0);
}

void TestLivePlot::emaIncrementalEqualsWholeSeries() {
    std::vector<double> y;
    std::uint32_t state = 12345;
    for (int i = 0; i < 500; ++i) {
        state = state * 1664525u + 1013904223u;
        y.push_back(static_cast<double>(state >> 8) / (1 << 24));
    }
    const auto whole = SeriesSmoothing::smooth(y, 0.95);
    SeriesSmoothing inc(0.95);
    for (std::size_t i = 0; i < y.size(); ++i) {
        QCOMPARE(inc.add(y[i]), whole[i]);
    }
}

void TestLivePlot::envelopeKeepsEveryBucketsMinMaxAndTheLastPoint() {
    const int n = 10007;
    const int buckets = 100;
    std::vector<double> keys;
    std::vector<double> values;
    std::uint32_t state = 7;
    for (int i = 0; i < n; ++i) {
        state = state * 1664525u + 1013904223u;
        keys.push_back(3.0 * i);  // any sorted keys
        values.push_back(static_cast<double>(state >> 8) / (1 << 24));
    }
    values[5000] = 40.0;   // a spike must survive
    values[n - 1] = -3.0;  // the last point is also the global minimum
    const auto out = EnvelopeDownsampler::downsample(keys, values, buckets);
    QVERIFY(out.keys.size() <= 4u * buckets);
    QCOMPARE(out.keys.size(), out.values.size());
    QCOMPARE(out.keys.front(), keys.front());
    QCOMPARE(out.keys.back(), keys.back());
    QCOMPARE(out.values.back(), values.back());
    QVERIFY(std::is_sorted(out.keys.begin(), out.keys.end()));
    // Brute force: each bucket [k0 + b·w, k0 + (b+1)·w) of the key range has its min and max
    // (value and key) in the output; every output point is an input point.
    const double width = (keys.back() - keys.front()) / buckets;
    for (int b = 0; b < buckets; ++b) {
        double lo = HUGE_VAL;
        double hi = -HUGE_VAL;
        double loKey = 0;
        double hiKey = 0;
        for (int i = 0; i < n; ++i) {
            const int bucket = std::min(buckets - 1, static_cast<int>((keys[i] - keys[0]) / width));
            if (bucket != b) continue;
            if (values[i] < lo) { lo = values[i]; loKey = keys[i]; }
            if (values[i] > hi) { hi = values[i]; hiKey = keys[i]; }
        }
        if (lo == HUGE_VAL) continue;
        bool sawLo = false;
        bool sawHi = false;
        for (std::size_t j = 0; j < out.keys.size(); ++j) {
            sawLo = sawLo || (out.keys[j] == loKey && out.values[j] == lo);
            sawHi = sawHi || (out.keys[j] == hiKey && out.values[j] == hi);
        }
        QVERIFY2(sawLo && sawHi, qPrintable(QString("bucket %1").arg(b)));
    }
    for (std::size_t j = 0; j < out.keys.size(); ++j) {
        const auto i = static_cast<std::size_t>(out.keys[j] / 3.0);
        QCOMPARE(values[i], out.values[j]);
    }
    QVERIFY(std::find(out.values.begin(), out.values.end(), 40.0) != out.values.end());
}

void TestLivePlot::envelopeLeavesSmallSeriesAlone() {
    const std::vector<double> keys = {0, 1, 2, 3, 4};
    const std::vector<double> values = {5, 4, 3, 2, 1};
    const auto out = EnvelopeDownsampler::downsample(keys, values, 2);  // 5 ≤ 4·2
    QCOMPARE(out.keys, keys);
    QCOMPARE(out.values, values);
}

namespace {

std::vector<ScalarPoint> ramp(std::int64_t first, std::int64_t count) {
    std::vector<ScalarPoint> out;
    for (std::int64_t s = first; s < first + count; ++s) {
        out.push_back({s, static_cast<double>(s) / 100.0, std::sin(0.01 * static_cast<double>(s)),
                       1.7e9 + static_cast<double>(s)});
    }
    return out;
}

}  // namespace

void TestLivePlot::plotAppendsOnlyNewPoints() {
    LivePlot plot("t", "y");
    plot.resize(800, 500);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setSmoothing(0);
    const int i = plot.addSeries("a");
    const auto first = ramp(0, 30);
    plot.append(i, first);
    QCOMPARE(plot.rawGraph(i)->dataCount(), 30);
    // Old steps again plus new ones: only the new ones are added.
    plot.append(i, ramp(20, 30));
    QCOMPARE(plot.points(i).size(), std::size_t(50));
    QCOMPARE(plot.rawGraph(i)->dataCount(), 50);
    QCOMPARE(plot.rawGraph(i)->data()->at(49)->key, 49.0);
    QCOMPARE(plot.rawGraph(i)->data()->at(49)->value, std::sin(0.49));
    QVERIFY(plot.followsData());
    QCOMPARE(plot.plot()->xAxis->range().upper, 49.0);
    // A constant zero series gets a readable range around 0.
    const std::vector<ScalarPoint> zeros = {{0, 0, 0.0, 0}, {1, 0, 0.0, 0}};
    LivePlot flat("flat", "y");
    flat.append(flat.addSeries("zero"), zeros);
    QCOMPARE(flat.plot()->yAxis->range().lower, -1.0);
    QCOMPARE(flat.plot()->yAxis->range().upper, 1.0);
    // Epoch and time axes key the same points differently.
    plot.setXAxis(LivePlot::XAxis::Epoch);
    QCOMPARE(plot.rawGraph(i)->data()->at(49)->key, 0.49);
    plot.setTimeOrigin(1.7e9);
    plot.setXAxis(LivePlot::XAxis::WallTime);
    QCOMPARE(plot.rawGraph(i)->data()->at(49)->key, 49.0);
}

void TestLivePlot::plotDownsamplesLongSeriesForDisplayOnly() {
    LivePlot plot("t", "y");
    plot.resize(700, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.plot()->replot();
    const int i = plot.addSeries("long");
    plot.append(i, ramp(0, 20000));
    plot.append(i, ramp(20000, 1));  // one more point while downsampled
    QCOMPARE(plot.points(i).size(), std::size_t(20001));
    // The plot draws for its axis rect's width in pixels (at least 100 before the first layout).
    const int columns = std::max(100, plot.plot()->axisRect()->width());
    QVERIFY2(plot.rawGraph(i)->dataCount() <= 4 * columns,
             qPrintable(QString("%1 drawn for %2 columns").arg(plot.rawGraph(i)->dataCount()).arg(columns)));
    QCOMPARE((plot.rawGraph(i)->data()->constEnd() - 1)->key, 20000.0);
    QCOMPARE((plot.rawGraph(i)->data()->constEnd() - 1)->value, std::sin(200.0));
}

void TestLivePlot::plotSmoothsTheFullSeries() {
    LivePlot plot("t", "y");
    plot.resize(600, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const int i = plot.addSeries("s");
    plot.setSmoothing(0.9);
    const auto pts = ramp(0, 30000);
    plot.append(i, std::span(pts).first(10000));
    plot.append(i, std::span(pts).subspan(10000));
    std::vector<double> values;
    for (const auto& p : pts) values.push_back(p.value);
    const auto expected = SeriesSmoothing::smooth(values, 0.9);
    QCOMPARE(plot.smoothed(i), expected);
    // The drawn smoothed curve ends on the full-series EMA's last value.
    QCOMPARE((plot.smoothGraph(i)->data()->constEnd() - 1)->value, expected.back());
    // Changing the weight recomputes from every point, and appends continue from there.
    plot.setSmoothing(0.5);
    plot.append(i, ramp(30000, 1));
    values.push_back(std::sin(300.0));
    QCOMPARE(plot.smoothed(i), SeriesSmoothing::smooth(values, 0.5));
    // A sparse series (evaluations) that opts out is drawn as measured.
    LivePlot::SeriesStyle sparse;
    sparse.markers = true;
    sparse.smoothed = false;
    const int v = plot.addSeries("valid", sparse);
    const std::vector<ScalarPoint> evals = {{100, 0, 3.0, 0}, {200, 0, 1.0, 0}};
    plot.append(v, evals);
    QCOMPARE(plot.smoothed(v), (std::vector<double>{3.0, 1.0}));
    QCOMPARE(plot.smoothGraph(v)->dataCount(), 0);
    QCOMPARE(plot.rawGraph(v)->data()->at(1)->value, 1.0);
    QVERIFY(!plot.readout(200).contains("valid: 1  (smoothed"));
}

void TestLivePlot::plotReadoutNamesTheNearestPoints() {
    LivePlot plot("t", "y");
    plot.setSmoothing(0);
    const int a = plot.addSeries("train");
    const int b = plot.addSeries("valid");
    plot.append(a, ramp(0, 100));
    const std::vector<ScalarPoint> sparse = {{50, 0.5, 2.5, 0}, {100, 1.0, 1.25, 0}};
    plot.append(b, sparse);
    const QString text = plot.readout(40.4);
    QVERIFY2(text.startsWith("step 40"), qPrintable(text));
    QVERIFY2(text.contains("train: " + QString::number(std::sin(0.40), 'g', 5)), qPrintable(text));
    QVERIFY2(text.contains("valid: 2.5  at step 50"), qPrintable(text));
}

void TestLivePlot::plotExportsPngPdfSvg() {
    QTemporaryDir dir;
    LivePlot plot("Export", "y");
    plot.resize(500, 300);
    plot.append(plot.addSeries("a"), ramp(0, 100));
    for (const char* name : {"plot.png", "plot.pdf", "plot.svg"}) {
        const QString file = dir.filePath(name);
        QString error;
        QVERIFY2(plot.exportTo(file, &error), qPrintable(error));
        QVERIFY2(QFileInfo(file).size() > 500, name);
    }
    QString error;
    QVERIFY(!plot.exportTo(dir.filePath("plot.bmpx"), &error));
    QVERIFY(error.contains("expected .png, .pdf or .svg"));
}

// The monitor clears its plots when it shows another run: the empty plot must keep the width
// of the one before (a cleared legend once squeezed the axes into a sliver at the left).
void TestLivePlot::clearedPlotKeepsItsWidth() {
    LivePlot plot("Loss by term", "loss");
    plot.resize(700, 300);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    for (const char* name : {"total", "SFT", "SubTB", "validation total", "validation SFT"}) {
        plot.append(plot.addSeries(name), ramp(0, 40));
    }
    plot.plot()->replot();
    const int before = plot.plot()->axisRect()->rect().width();
    QVERIFY2(before > 500, qPrintable(QString::number(before)));
    plot.clear();
    plot.plot()->replot();
    const int after = plot.plot()->axisRect()->rect().width();
    QVERIFY2(after > 500, qPrintable(QString("%1 → %2 (layout %3 × %4)").arg(before).arg(after)
                                         .arg(plot.plot()->plotLayout()->rowCount())
                                         .arg(plot.plot()->plotLayout()->columnCount())));
    plot.append(plot.addSeries("total"), ramp(0, 10));
    plot.plot()->replot();
    QVERIFY(plot.plot()->axisRect()->rect().width() > 500);
}

FLOWER_GUI_TEST_MAIN(TestLivePlot, emaMatchesHandComputedDebiasedValues, emaSkipsNonFiniteValues,
                     emaIncrementalEqualsWholeSeries, envelopeKeepsEveryBucketsMinMaxAndTheLastPoint,
                     envelopeLeavesSmallSeriesAlone, plotAppendsOnlyNewPoints,
                     plotDownsamplesLongSeriesForDisplayOnly, plotSmoothsTheFullSeries,
                     plotReadoutNamesTheNearestPoints, plotExportsPngPdfSvg,
                     clearedPlotKeepsItsWidth)
#include "test_live_plot.moc"
