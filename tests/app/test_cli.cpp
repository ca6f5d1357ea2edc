// The `flower` program end to end: version, help, errors, and the start-up environment.
#include "core/util/runtime.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"

#include <nlohmann/json.hpp>

using flower::test::runProcess;

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void printsVersion();
    void printsHelpWithCommands();
    void rejectsUnknownCommand();
    void reexecutesWithThreadEnvironment();
    void keepsUserThreadSettings();
    void threadsOption();
};

void TestCli::printsVersion() {
    const auto r = runProcess({FLOWER_CLI_PATH, "--version"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.rfind("flower 0.", 0) == 0, r.out.c_str());
}

void TestCli::printsHelpWithCommands() {
    const auto r = runProcess({FLOWER_CLI_PATH, "--help"});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.find("env") != std::string::npos, r.out.c_str());
    const auto sub = runProcess({FLOWER_CLI_PATH, "env", "--help"});
    QCOMPARE(sub.exitCode, 0);
    QVERIFY2(sub.out.find("JSON") != std::string::npos, sub.out.c_str());
}

void TestCli::rejectsUnknownCommand() {
    const auto r = runProcess({FLOWER_CLI_PATH, "no-such-command"});
    QVERIFY(r.exitCode != 0);
    QVERIFY2(r.err.find("no-such-command") != std::string::npos, r.err.c_str());
}

void TestCli::reexecutesWithThreadEnvironment() {
    const auto r = runProcess({FLOWER_CLI_PATH, "env"},
                              {{"OMP_WAIT_POLICY", flower::test::kUnset},
                               {"OPENBLAS_THREAD_TIMEOUT", flower::test::kUnset},
                               {"FLOWER_REEXECUTED", flower::test::kUnset}});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string("PASSIVE"));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(), std::to_string(flower::util::kBlasThreadTimeout));
}

void TestCli::keepsUserThreadSettings() {
    const auto r = runProcess({FLOWER_CLI_PATH, "env"},
                              {{"OMP_WAIT_POLICY", "ACTIVE"}, {"OPENBLAS_THREAD_TIMEOUT", "20"},
                               {"FLOWER_REEXECUTED", flower::test::kUnset}});
    QCOMPARE(r.exitCode, 0);
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string("ACTIVE"));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(), std::string("20"));
}

void TestCli::threadsOption() {
    const auto r = runProcess({FLOWER_CLI_PATH, "--threads", "1", "env"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(nlohmann::json::parse(r.out).at("torch_threads").get<int>(), 1);
    const auto bad = runProcess({FLOWER_CLI_PATH, "--threads", "0", "env"});
    QVERIFY(bad.exitCode != 0);
}

FLOWER_TEST_MAIN(TestCli, printsVersion, printsHelpWithCommands, rejectsUnknownCommand,
                 reexecutesWithThreadEnvironment, keepsUserThreadSettings, threadsOption)
#ifdef FLOWER_TEST_QT
#include "test_cli.moc"
#endif
