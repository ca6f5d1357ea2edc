// Series aggregation (core/compare/series_aggregation.h) against hand-computed means and sample
// standard deviations — runs of unequal length, mismatched steps, epoch and wall-time
// alignment, smoothing before aggregation — and against a brute-force form on random runs.
#include "core/compare/series_aggregation.h"
#include "core/compare/series_smoothing.h"
#include "tests/support/flower_test.h"

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace flower::compare;
using flower::store::ScalarPoint;

namespace {

RunSeries run(std::vector<std::int64_t> steps, std::vector<double> values) {
    RunSeries r;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        r.points.push_back({steps[i], 0.1 * static_cast<double>(steps[i]), values[i], 0});
    }
    return r;
}

bool near(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

}  // namespace

class TestSeriesAggregation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void unequalLengthsAndMismatchedSteps();
    void smoothingBeforeAggregation();
    void epochAndWallTimeAlignment();
    void backwardPointsAndNonFiniteValues();
    void emptyInput();
    void bruteForceOnRandomRuns();
};

// A: steps 0–3 values 1 2 3 4; B: steps 0–1 values 3 6 (ends early); C: steps 0, 2 values 5 9
// (no step 1: interpolated 7).
//   x=0: 1 3 5 → mean 3, std √((4+0+4)/2) = 2
//   x=1: 2 6 7 → mean 5, std √((9+1+4)/2) = √7
//   x=2: 3 · 9 → mean 6, std √((9+9)/1) = 3√2   (B ended: count 2)
//   x=3: 4 · · → mean 4, std 0                  (count 1)
void TestSeriesAggregation::unequalLengthsAndMismatchedSteps() {
    const std::vector<RunSeries> runs = {run({0, 1, 2, 3}, {1, 2, 3, 4}), run({0, 1}, {3, 6}),
                                         run({0, 2}, {5, 9})};
    const auto a = aggregateSeries(runs, XAlign::Step, 0.0);
    QCOMPARE(a.x, (std::vector<double>{0, 1, 2, 3}));
    QCOMPARE(a.count, (std::vector<int>{3, 3, 2, 1}));
    QCOMPARE(a.mean, (std::vector<double>{3, 5, 6, 4}));
    QCOMPARE(a.stddev[0], 2.0);
    QCOMPARE(a.stddev[1], std::sqrt(7.0));
    QCOMPARE(a.stddev[2], 3 * std::sqrt(2.0));
    QCOMPARE(a.stddev[3], 0.0);
    QCOMPARE(a.min, (std::vector<double>{1, 2, 3, 4}));
    QCOMPARE(a.max, (std::vector<double>{5, 7, 9, 4}));
}

// EMA weight 0.5: A 1 2 3 → 1, 1.25/0.75 = 5/3, 2.125/0.875 = 17/7; B 3 5 → 3, 3.25/0.75 = 13/3.
// Means: 2, (5/3 + 13/3)/2 = 3, 17/7 (A alone). Averaging first and smoothing after would give
// 3 at the last step (the EMA of 2, 3.5, 3): the order matters where the count drops.
void TestSeriesAggregation::smoothingBeforeAggregation() {
    const std::vector<RunSeries> runs = {run({0, 1, 2}, {1, 2, 3}), run({0, 1}, {3, 5})};
    const auto a = aggregateSeries(runs, XAlign::Step, 0.5);
    QCOMPARE(a.mean.size(), std::size_t(3));
    QCOMPARE(a.mean[0], 2.0);
    QCOMPARE(a.mean[1], 3.0);
    QCOMPARE(a.mean[2], 17.0 / 7.0);
    QCOMPARE(a.stddev[1], 4.0 * std::sqrt(2.0) / 3.0);  // ±4/3 around 3: √(2 · 16/9 / 1)
    QCOMPARE(a.count[2], 1);
    // The same EMA as the live plots.
    const auto c = alignedCurve(runs[0].points, XAlign::Step, 0.5);
    QCOMPARE(c.y, SeriesSmoothing::smooth(std::vector<double>{1, 2, 3}, 0.5));
}

// Epochs: A at 0, 0.5, 1 (values 0 2 4), B at 0, 1 (values 10 20): at 0.5 B is interpolated 15.
// Wall time: A at 100, 110, 120 s → 0, 10, 20; B at 500, 505, 530 → 0, 5, 30. At 5 s A is
// interpolated (0 + 2)/2 = 1; at 10 s B is 20 + (40 − 20)·(5/25) = 24.
void TestSeriesAggregation::epochAndWallTimeAlignment() {
    RunSeries a, b;
    a.points = {{0, 0.0, 0, 100}, {1, 0.5, 2, 110}, {2, 1.0, 4, 120}};
    b.points = {{0, 0.0, 10, 500}, {7, 1.0, 20, 505}, {9, 1.5, 40, 530}};
    const std::vector<RunSeries> runs = {a, b};
    const auto e = aggregateSeries(runs, XAlign::Epoch, 0.0);
    QCOMPARE(e.x, (std::vector<double>{0, 0.5, 1.0, 1.5}));
    QCOMPARE(e.mean, (std::vector<double>{5, 8.5, 12, 40}));
    QCOMPARE(e.count, (std::vector<int>{2, 2, 2, 1}));
    const auto w = aggregateSeries(runs, XAlign::WallTime, 0.0);
    QCOMPARE(w.x, (std::vector<double>{0, 5, 10, 20, 30}));
    QCOMPARE(w.mean[1], (1.0 + 20.0) / 2);
    QCOMPARE(w.mean[2], (2.0 + 24.0) / 2);
    QCOMPARE(w.count, (std::vector<int>{2, 2, 2, 2, 1}));
    QCOMPARE(w.min[3], 4.0);
    QCOMPARE(w.max[3], 20 + 20 * 15.0 / 25.0);
}

// A point whose x does not move right is dropped (epochs 0, 0, 1: the second 0 goes); a NaN
// value does not count (the count drops there).
void TestSeriesAggregation::backwardPointsAndNonFiniteValues() {
    RunSeries a;
    a.points = {{0, 0.0, 1, 0}, {1, 0.0, 100, 0}, {2, 1.0, 3, 0}};
    const auto c = alignedCurve(a.points, XAlign::Epoch, 0.0);
    QCOMPARE(c.x, (std::vector<double>{0, 1}));
    QCOMPARE(c.y, (std::vector<double>{1, 3}));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<RunSeries> runs = {run({0, 1, 2}, {1, nan, 3}), run({0, 1, 2}, {3, 4, 5})};
    const auto r = aggregateSeries(runs, XAlign::Step, 0.0);
    QCOMPARE(r.count, (std::vector<int>{2, 1, 2}));
    QCOMPARE(r.mean, (std::vector<double>{2, 4, 4}));
}

void TestSeriesAggregation::emptyInput() {
    QCOMPARE(aggregateSeries({}, XAlign::Step, 0.0).size(), std::size_t(0));
    const std::vector<RunSeries> runs = {RunSeries{}, run({3}, {7})};
    const auto a = aggregateSeries(runs, XAlign::Step, 0.9);
    QCOMPARE(a.x, (std::vector<double>{3}));
    QCOMPARE(a.mean, (std::vector<double>{7}));
    QCOMPARE(a.stddev, (std::vector<double>{0}));
}

// Random runs (random step subsets of 0..60, lengths 0–40) against the definition written out
// naively: every x of the union, every run's neighbours found by a linear scan.
void TestSeriesAggregation::bruteForceOnRandomRuns() {
    std::mt19937 rng(18);
    for (int trial = 0; trial < 200; ++trial) {
        const int runsCount = 1 + static_cast<int>(rng() % 6);
        std::vector<RunSeries> runs(static_cast<std::size_t>(runsCount));
        std::set<std::int64_t> all;
        for (auto& r : runs) {
            std::set<std::int64_t> steps;
            const int n = static_cast<int>(rng() % 41);
            const int offset = static_cast<int>(rng() % 20);
            for (int i = 0; i < n; ++i) steps.insert(offset + static_cast<int>(rng() % 40));
            for (auto s : steps) {
                r.points.push_back({s, 0, std::normal_distribution<double>(0, 3)(rng), 0});
                all.insert(s);
            }
        }
        const double w = (trial % 3) * 0.3;
        const auto got = aggregateSeries(runs, XAlign::Step, w);
        std::size_t k = 0;
        for (const auto x : all) {
            std::vector<double> v;
            for (const auto& r : runs) {
                std::vector<double> ys;
                for (const auto& p : r.points) ys.push_back(p.value);
                const auto sm = SeriesSmoothing::smooth(ys, w);
                for (std::size_t i = 0; i < r.points.size(); ++i) {
                    if (r.points[i].step == x) {
                        v.push_back(sm[i]);
                    } else if (i + 1 < r.points.size() && r.points[i].step < x && r.points[i + 1].step > x) {
                        const double t = double(x - r.points[i].step) / double(r.points[i + 1].step - r.points[i].step);
                        v.push_back(sm[i] + t * (sm[i + 1] - sm[i]));
                    }
                }
            }
            QVERIFY(k < got.size());
            QCOMPARE(got.x[k], static_cast<double>(x));
            QCOMPARE(got.count[k], static_cast<int>(v.size()));
            double mean = 0;
            for (double y : v) mean += y / static_cast<double>(v.size());
            double ss = 0, lo = v[0], hi = v[0];
            for (double y : v) {
                ss += (y - mean) * (y - mean);
                lo = std::min(lo, y);
                hi = std::max(hi, y);
            }
            const double sd = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
            QVERIFY2(near(got.mean[k], mean), "mean");
            QVERIFY2(near(got.stddev[k], sd), "stddev");
            QCOMPARE(got.min[k], lo);
            QCOMPARE(got.max[k], hi);
            ++k;
        }
        QCOMPARE(got.size(), all.size());
    }
}

FLOWER_TEST_MAIN(TestSeriesAggregation, unequalLengthsAndMismatchedSteps, smoothingBeforeAggregation,
                 epochAndWallTimeAlignment, backwardPointsAndNonFiniteValues, emptyInput,
                 bruteForceOnRandomRuns)
#ifdef FLOWER_TEST_QT
#include "test_series_aggregation.moc"
#endif
