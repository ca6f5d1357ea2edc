// LrSchedule: hand-computed values of transformers' warm-up schedules (constant, linear, cosine)
// and one test per rejected setting.
#include "core/train/lr_schedule.h"
#include "tests/support/error_message.h"
#include "tests/support/flower_test.h"

#include <cmath>

using flower::run::LrSchedule;
using Schedule = flower::train::LrSchedule;

namespace {
bool near(double a, double b) { return std::abs(a - b) <= 1e-12; }
}  // namespace

class TestLrSchedule : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void warmsUpLinearlyFromZero();
    void linearDecaysToZeroAtTheLastStep();
    void cosineFollowsHalfACosine();
    void constantStaysAtThePeak();
    void noWarmupStartsAtThePeak();
    void rejectsNegativeWarmup();
    void rejectsNoSteps();
    void rejectsNegativeLearningRate();
};

void TestLrSchedule::warmsUpLinearlyFromZero() {
    // peak 0.01, 4 warm-up steps of 10: 0, 0.0025, 0.005, 0.0075, then the peak.
    for (const auto shape : {LrSchedule::Constant, LrSchedule::Linear, LrSchedule::Cosine}) {
        const Schedule s(0.01, 4, shape, 10);
        QVERIFY(near(s.at(0), 0.0));
        QVERIFY(near(s.at(1), 0.0025));
        QVERIFY(near(s.at(2), 0.005));
        QVERIFY(near(s.at(3), 0.0075));
        QVERIFY(near(s.at(4), 0.01));
    }
}

void TestLrSchedule::linearDecaysToZeroAtTheLastStep() {
    // (total - step) / (total - warmup) = (10 - s) / 6.
    const Schedule s(0.01, 4, LrSchedule::Linear, 10);
    QVERIFY(near(s.at(5), 0.01 * 5.0 / 6.0));
    QVERIFY(near(s.at(7), 0.005));
    QVERIFY(near(s.at(9), 0.01 / 6.0));
    QVERIFY(near(s.at(10), 0.0));
    QVERIFY(near(s.at(12), 0.0));  // clamped past the end
}

void TestLrSchedule::cosineFollowsHalfACosine() {
    // 0.5 (1 + cos(pi (s - 4) / 6)): s = 7 → 0.5, s = 5 → 0.5 (1 + cos(pi/6)), s = 10 → 0.
    const Schedule s(0.01, 4, LrSchedule::Cosine, 10);
    QVERIFY(near(s.at(7), 0.005));
    QVERIFY(near(s.at(5), 0.01 * 0.5 * (1.0 + std::sqrt(3.0) / 2.0)));
    QVERIFY(near(s.at(10), 0.0));
}

void TestLrSchedule::constantStaysAtThePeak() {
    const Schedule s(0.01, 4, LrSchedule::Constant, 10);
    QVERIFY(near(s.at(6), 0.01));
    QVERIFY(near(s.at(9), 0.01));
}

void TestLrSchedule::noWarmupStartsAtThePeak() {
    const Schedule linear(0.02, 0, LrSchedule::Linear, 4);
    QVERIFY(near(linear.at(0), 0.02));
    QVERIFY(near(linear.at(1), 0.015));
    QVERIFY(near(linear.at(3), 0.005));
    const Schedule cosine(0.02, 0, LrSchedule::Cosine, 4);
    QVERIFY(near(cosine.at(2), 0.01));
}

void TestLrSchedule::rejectsNegativeWarmup() {
    const std::string e = flower::test::errorOf([] { Schedule(0.01, -1, LrSchedule::Linear, 10); });
    QVERIFY2(flower::test::contains(e, "warmup_steps"), e.c_str());
}

void TestLrSchedule::rejectsNoSteps() {
    const std::string e = flower::test::errorOf([] { Schedule(0.01, 0, LrSchedule::Linear, 0); });
    QVERIFY2(flower::test::contains(e, "at least one optimiser step"), e.c_str());
}

void TestLrSchedule::rejectsNegativeLearningRate() {
    const std::string e = flower::test::errorOf([] { Schedule(-0.01, 0, LrSchedule::Linear, 5); });
    QVERIFY2(flower::test::contains(e, "optimizer.lr"), e.c_str());
}

FLOWER_TEST_MAIN(TestLrSchedule, warmsUpLinearlyFromZero, linearDecaysToZeroAtTheLastStep,
                 cosineFollowsHalfACosine, constantStaysAtThePeak, noWarmupStartsAtThePeak,
                 rejectsNegativeWarmup, rejectsNoSteps, rejectsNegativeLearningRate)

#ifdef FLOWER_TEST_QT
#include "test_lr_schedule.moc"
#endif
