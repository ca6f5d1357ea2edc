// CPython's Mersenne Twister, seeding, getrandbits, random, _randbelow and shuffle. Every
// expected value below was produced by CPython 3.11.7 on this machine, e.g.
//   python3 -c "import random; random.seed(42); print([random.getrandbits(32) for _ in range(3)])"
// (the command is given above each comparison).
#include "core/prepare/python_random.h"
#include "tests/support/flower_test.h"

#include <numeric>

using flower::prepare::PythonRandom;

class TestPythonRandom : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void seedsLikeCPython();
    void randomFloats();
    void getrandbitsWidths();
    void randbelow();
    void shuffleMatchesCPython();
};

void TestPythonRandom::seedsLikeCPython() {
    // random.seed(42); [random.getrandbits(32) for _ in range(3)]
    PythonRandom r(42);
    QCOMPARE(r.getrandbits(32), std::uint64_t{2746317213});
    QCOMPARE(r.getrandbits(32), std::uint64_t{478163327});
    QCOMPARE(r.getrandbits(32), std::uint64_t{107420369});
    // random.seed(0); random.getrandbits(32) — key [0]
    QCOMPARE(PythonRandom(0).getrandbits(32), std::uint64_t{3626764237});
    // random.seed(2**40 + 7); random.getrandbits(32) — a two-word key [7, 256]
    QCOMPARE(PythonRandom((std::uint64_t{1} << 40) + 7).getrandbits(32), std::uint64_t{2635837658});
}

void TestPythonRandom::randomFloats() {
    // random.seed(42); repr(random.random()), repr(random.random())
    PythonRandom r(42);
    QVERIFY(r.random() == 0.6394267984578837);
    QVERIFY(r.random() == 0.025010755222666936);
}

void TestPythonRandom::getrandbitsWidths() {
    // random.seed(42); random.getrandbits(5), random.getrandbits(64), random.getrandbits(33)
    PythonRandom r(42);
    QCOMPARE(r.getrandbits(5), std::uint64_t{20});
    QCOMPARE(r.getrandbits(64), std::uint64_t{461366972257415551ULL});
    QCOMPARE(r.getrandbits(33), std::uint64_t{3184935163ULL});
    // r = random.Random(42); r.getrandbits(1), r.getrandbits(0)
    PythonRandom s(42);
    QCOMPARE(s.getrandbits(1), std::uint64_t{1});
    QCOMPARE(s.getrandbits(0), std::uint64_t{0});
}

void TestPythonRandom::randbelow() {
    // r = random.Random(42); [r._randbelow(n) for n in (1, 2, 3, 7, 100, 1000, 2**31+5, 2**40+3)]
    PythonRandom r(42);
    const std::uint64_t n[] = {1, 2, 3, 7, 100, 1000, (1ULL << 31) + 5, (1ULL << 40) + 3};
    const std::uint64_t expected[] = {0, 0, 2, 2, 31, 228, 599310825, 226501419177ULL};
    for (int i = 0; i < 8; ++i) QCOMPARE(r.randbelow(n[i]), expected[i]);
}

void TestPythonRandom::shuffleMatchesCPython() {
    // random.seed(42); x = list(range(10)); random.shuffle(x); x
    PythonRandom r(42);
    std::vector<int> x(10);
    std::iota(x.begin(), x.end(), 0);
    r.shuffle(x);
    QCOMPARE(x, (std::vector<int>{7, 3, 2, 8, 5, 6, 9, 4, 0, 1}));
    // random.seed(42); x = list(range(1000)); random.shuffle(x); x[:10], x[-5:]
    PythonRandom s(42);
    std::vector<int> y(1000);
    std::iota(y.begin(), y.end(), 0);
    s.shuffle(y);
    QCOMPARE(std::vector<int>(y.begin(), y.begin() + 10),
             (std::vector<int>{776, 507, 895, 922, 33, 483, 85, 750, 354, 523}));
    QCOMPARE(std::vector<int>(y.end() - 5, y.end()), (std::vector<int>{281, 759, 25, 114, 654}));
    // Empty and one-element lists draw nothing.
    std::vector<int> empty, one{5};
    PythonRandom t(42);
    t.shuffle(empty);
    t.shuffle(one);
    QCOMPARE(t.getrandbits(32), std::uint64_t{2746317213});
}

FLOWER_TEST_MAIN(TestPythonRandom, seedsLikeCPython, randomFloats, getrandbitsWidths, randbelow,
                 shuffleMatchesCPython)
#ifdef FLOWER_TEST_QT
#include "test_python_random.moc"
#endif
