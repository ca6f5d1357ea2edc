// The launcher (app/launcher): a program that sets the thread environment and executes the real
// program once. Tested through launchers built for a probe program that prints what it got
// (launcher_probe.cpp), and through flower-workbench's own launcher when the GUI is built.
#include "core/util/thread_environment.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"

#include <nlohmann/json.hpp>

#include <string>

using flower::test::kUnset;
using flower::test::runProcess;

class TestLauncher : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void setsBothVariables();
    void respectsValuesTheUserSet();
    void passesArgumentsAndEnvironment();
    void passesExitStatus();
    void reportsMissingProgram();
    void refusesToStartItself();
    void workbenchLoadsOpenMpOncePassively();
};

namespace {
const std::string kProbeLauncher = LAUNCHER_DIR "/launcher_to_probe";

nlohmann::json probeOutput(const flower::test::ProcessResult& r) {
    return nlohmann::json::parse(r.out);
}
}  // namespace

void TestLauncher::setsBothVariables() {
    const auto r = runProcess({kProbeLauncher},
                              {{"OMP_WAIT_POLICY", kUnset}, {"OPENBLAS_THREAD_TIMEOUT", kUnset}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = probeOutput(r);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string("PASSIVE"));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(),
             std::to_string(flower::util::kBlasThreadTimeout));
}

void TestLauncher::respectsValuesTheUserSet() {
    // Each variable on its own: one set by the user, the other filled in.
    auto r = runProcess({kProbeLauncher},
                        {{"OMP_WAIT_POLICY", "ACTIVE"}, {"OPENBLAS_THREAD_TIMEOUT", kUnset}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    auto j = probeOutput(r);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string("ACTIVE"));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(), std::string("16"));
    r = runProcess({kProbeLauncher}, {{"OMP_WAIT_POLICY", kUnset}, {"OPENBLAS_THREAD_TIMEOUT", "20"}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    j = probeOutput(r);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string("PASSIVE"));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(), std::string("20"));
    // An empty value is a value the user set, too.
    r = runProcess({kProbeLauncher}, {{"OMP_WAIT_POLICY", ""}, {"OPENBLAS_THREAD_TIMEOUT", ""}});
    j = probeOutput(r);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string(""));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(), std::string(""));
}

void TestLauncher::passesArgumentsAndEnvironment() {
    const std::vector<std::string> argv = {kProbeLauncher, "--store", "a b.sqlite", "", "ü\t\"x\"",
                                           "--", "-v"};
    const auto r = runProcess(argv, {{"FLOWER_PROBE_MARKER", "kept"}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = probeOutput(r);
    // argv[0] too: the real program sees the name it was started by.
    QCOMPARE(j.at("argv").get<std::vector<std::string>>(), argv);
    QCOMPARE(j.at("marker").get<std::string>(), std::string("kept"));
    QCOMPARE(r.err, std::string());
}

void TestLauncher::passesExitStatus() {
    for (const char* status : {"0", "1", "3", "42", "255"}) {
        const auto r = runProcess({kProbeLauncher}, {{"FLOWER_PROBE_EXIT", status}});
        QCOMPARE(r.exitCode, std::atoi(status));
    }
}

void TestLauncher::reportsMissingProgram() {
    const auto r = runProcess({LAUNCHER_DIR "/launcher_to_missing", "--version"});
    QCOMPARE(r.exitCode, 127);
    QCOMPARE(r.out, std::string());
    // Names the file it looked for and why it could not start it.
    QVERIFY2(r.err.find(LAUNCHER_DIR "/probe/missing_program") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.find("No such file or directory") != std::string::npos, r.err.c_str());
    QVERIFY2(r.err.rfind("launcher_to_missing: ", 0) == 0, r.err.c_str());
}

void TestLauncher::refusesToStartItself() {
    // A launcher whose program path leads back to itself would exec itself forever.
    const auto r = runProcess({LAUNCHER_DIR "/launcher_to_itself"});
    QCOMPARE(r.exitCode, 126);
    QVERIFY2(r.err.find("is this launcher itself") != std::string::npos, r.err.c_str());
}

void TestLauncher::workbenchLoadsOpenMpOncePassively() {
#ifndef FLOWER_WORKBENCH_LAUNCHER
    QSKIP("the GUI is not built (FLOWER_BUILD_GUI=OFF)");
#else
    // libgomp prints the settings it read when it loads (OMP_DISPLAY_ENV): one block, PASSIVE,
    // means LibTorch was loaded once, after the launcher had set the variable. The old re-exec
    // printed two, the first with libgomp's default policy.
    const auto r = runProcess({FLOWER_WORKBENCH_LAUNCHER, "--version"},
                              {{"OMP_WAIT_POLICY", kUnset},
                               {"OPENBLAS_THREAD_TIMEOUT", kUnset},
                               {"FLOWER_REEXECUTED", kUnset},
                               {"OMP_DISPLAY_ENV", "TRUE"},
                               {"QT_QPA_PLATFORM", "offscreen"}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    QVERIFY2(r.out.find("0.") != std::string::npos, r.out.c_str());
    const std::string all = r.out + r.err;
    std::size_t blocks = 0;
    for (auto at = all.find("OPENMP DISPLAY ENVIRONMENT BEGIN"); at != std::string::npos;
         at = all.find("OPENMP DISPLAY ENVIRONMENT BEGIN", at + 1)) {
        ++blocks;
    }
    QCOMPARE(blocks, std::size_t{1});
    QVERIFY2(all.find("OMP_WAIT_POLICY = 'PASSIVE'") != std::string::npos, all.c_str());
#endif
}

FLOWER_TEST_MAIN(TestLauncher, setsBothVariables, respectsValuesTheUserSet,
                 passesArgumentsAndEnvironment, passesExitStatus, reportsMissingProgram,
                 refusesToStartItself, workbenchLoadsOpenMpOncePassively)
#ifdef FLOWER_TEST_QT
#include "test_launcher.moc"
#endif
