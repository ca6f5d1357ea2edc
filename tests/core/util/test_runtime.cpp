// Start-up environment: passive OpenMP, OpenBLAS's short spin, LibTorch's thread count.
#include "core/util/runtime.h"
#include "tests/support/flower_test.h"

#include <torch/torch.h>

#include <cstdlib>
#include <unistd.h>

class TestRuntime : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runsWithThreadEnvironment();
    void usesAllCoresByDefault();
    void respectsUserThreadCount();
    void usesOpenBlas();
};

void TestRuntime::runsWithThreadEnvironment() {
    // The test main re-executes itself when a variable is unset, so both are set here.
    QVERIFY(flower::util::openMpWaitsPassively());
    const char* timeout = std::getenv("OPENBLAS_THREAD_TIMEOUT");
    QVERIFY(timeout != nullptr && *timeout != '\0');
}

void TestRuntime::usesAllCoresByDefault() {
    ::unsetenv("FLOWER_NUM_THREADS");
    ::unsetenv("OMP_NUM_THREADS");
    const int cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
    QCOMPARE(flower::util::defaultThreadCount(), cores);
    QCOMPARE(flower::util::configureTorchThreads(), cores);
    QCOMPARE(torch::get_num_threads(), cores);
}

void TestRuntime::respectsUserThreadCount() {
    ::setenv("FLOWER_NUM_THREADS", "1", 1);
    QCOMPARE(flower::util::defaultThreadCount(), 1);
    ::setenv("FLOWER_NUM_THREADS", "not-a-number", 1);
    ::setenv("OMP_NUM_THREADS", "3", 1);
    QCOMPARE(flower::util::defaultThreadCount(), 3);  // invalid value ignored, next source used
    ::unsetenv("FLOWER_NUM_THREADS");
    ::unsetenv("OMP_NUM_THREADS");
    QCOMPARE(flower::util::configureTorchThreads(2), 2);
    QCOMPARE(torch::get_num_threads(), 2);
}

void TestRuntime::usesOpenBlas() {
    // A matmul loads BLAS if LibTorch loads it lazily; then it must be OpenBLAS, not the
    // reference implementation (which makes every step ~25x slower).
    (void)torch::mm(torch::ones({64, 64}), torch::ones({64, 64}));
    const std::string blas = flower::util::loadedBlasLibrary();
    QVERIFY2(blas.find("openblas") != std::string::npos,
             ("BLAS in use: '" + blas + "' — install libopenblas0-pthread").c_str());
}

FLOWER_TEST_MAIN(TestRuntime, runsWithThreadEnvironment, usesAllCoresByDefault, respectsUserThreadCount,
                 usesOpenBlas)
#ifdef FLOWER_TEST_QT
#include "test_runtime.moc"
#endif
