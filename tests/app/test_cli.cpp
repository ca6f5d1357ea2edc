// The `flower` program end to end: version, help, errors, and the start-up environment.
#include "core/util/runtime.h"
#include "tests/support/flower_test.h"
#include "tests/support/process.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

using flower::test::runProcess;

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void printsVersion();
    void printsHelpWithCommands();
    void rejectsUnknownCommand();
    void setsThreadEnvironment();
    void lightCommandsDoNotLoadLibTorch();
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

namespace {
// libgomp prints the settings it read when it loads (OMP_DISPLAY_ENV=TRUE): the wait policies of
// every libgomp loaded, in the order they loaded.
std::vector<std::string> openMpWaitPolicies(const std::string& output) {
    std::vector<std::string> policies;
    const std::string key = "OMP_WAIT_POLICY = '";
    for (auto at = output.find(key); at != std::string::npos; at = output.find(key, at + 1)) {
        const auto begin = at + key.size();
        policies.push_back(output.substr(begin, output.find('\'', begin) - begin));
    }
    return policies;
}
}  // namespace

void TestCli::setsThreadEnvironment() {
    const auto r = runProcess({FLOWER_CLI_PATH, "env"},
                              {{"OMP_WAIT_POLICY", flower::test::kUnset},
                               {"OPENBLAS_THREAD_TIMEOUT", flower::test::kUnset},
                               {"FLOWER_REEXECUTED", flower::test::kUnset},
                               {"OMP_DISPLAY_ENV", "TRUE"}});
    QVERIFY2(r.exitCode == 0, r.err.c_str());
    const auto j = nlohmann::json::parse(r.out);
    QCOMPARE(j.at("omp_wait_policy").get<std::string>(), std::string("PASSIVE"));
    QCOMPARE(j.at("openblas_thread_timeout").get<std::string>(), std::to_string(flower::util::kBlasThreadTimeout));
    // Set before LibTorch was loaded, in the same process: libgomp read PASSIVE, and nothing
    // was re-executed (the old way loaded libgomp twice, first with its default policy).
    QVERIFY2(!j.at("reexecuted").get<bool>(), r.out.c_str());
    const auto policies = openMpWaitPolicies(r.err);
    QVERIFY2(!policies.empty(), r.err.c_str());
    for (const auto& policy : policies) {
        QCOMPARE(policy, std::string("PASSIVE"));
    }
}

void TestCli::lightCommandsDoNotLoadLibTorch() {
    // No libgomp loaded = no LibTorch loaded (LibTorch links it).
    const std::map<std::string, std::string> env = {{"OMP_DISPLAY_ENV", "TRUE"}};
    for (const std::vector<std::string>& argv :
         {std::vector<std::string>{FLOWER_CLI_PATH, "--version"},
          std::vector<std::string>{FLOWER_CLI_PATH, "--threads", "2", "--version"},
          std::vector<std::string>{FLOWER_CLI_PATH, "tokenize", "--help"}}) {
        const auto r = runProcess(argv, env);
        QVERIFY2(r.exitCode == 0, (argv.back() + ": " + r.err).c_str());
        QVERIFY2(openMpWaitPolicies(r.out + r.err).empty(), (argv.back() + ": " + r.err).c_str());
    }
    // The root's help lists the commands of the LibTorch part as well, and loads it for that.
    const auto help = runProcess({FLOWER_CLI_PATH, "--help"}, env);
    QCOMPARE(help.exitCode, 0);
    QVERIFY2(help.out.find("tokenize") != std::string::npos && help.out.find("train") != std::string::npos,
             help.out.c_str());
    QVERIFY(!openMpWaitPolicies(help.err).empty());
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
                 setsThreadEnvironment, lightCommandsDoNotLoadLibTorch, keepsUserThreadSettings, threadsOption)
#ifdef FLOWER_TEST_QT
#include "test_cli.moc"
#endif
