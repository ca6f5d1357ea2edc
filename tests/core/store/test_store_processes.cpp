// The run store across processes: a reader here while a writer process commits batches (no
// "database is locked", never a partial batch), a writer killed with SIGKILL at several moments
// (the file stays sound and holds every batch it acknowledged), and a dead owner's run marked
// interrupted.
#include "core/store/run_store.h"
#include "core/util/error.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"
#include "tests/support/child_process.h"
#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>

using namespace flower::store;
namespace fs = std::filesystem;

using flower::test::Child;

namespace {

constexpr int kBatchPoints = 200;

fs::path freshDb(const std::string& name) {
    return flower::test::freshFolder(name) / "runs.sqlite";
}

std::int64_t newRun(const fs::path& file) {
    RunStore store(file);
    return store.createRun(NewRun{"writer", "{}", "", "", 0, ""});
}

// Batch id → number of its points visible in `points` (values are batch ids).
std::map<long, int> batchesIn(const std::vector<ScalarPoint>& points) {
    std::map<long, int> counts;
    for (const auto& p : points) {
        ++counts[static_cast<long>(p.value)];
    }
    return counts;
}

// "" when every visible batch is complete and the batches are 0 … n-1; else what is wrong.
std::string checkWholeBatches(const std::map<long, int>& counts) {
    long expected = 0;
    for (const auto& [batch, count] : counts) {
        if (batch != expected) {
            return "batch " + std::to_string(expected) + " missing before " + std::to_string(batch);
        }
        if (count != kBatchPoints) {
            return "batch " + std::to_string(batch) + " has " + std::to_string(count) +
                   " of " + std::to_string(kBatchPoints) + " points";
        }
        ++expected;
    }
    return "";
}

}  // namespace

class TestStoreProcesses : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readerSeesWholeBatchesWhileWriterRuns();
    void sigkillKeepsAcknowledgedBatches();
    void deadOwnerProcessMeansInterrupted();
};

void TestStoreProcesses::readerSeesWholeBatchesWhileWriterRuns() {
    const fs::path file = freshDb("concurrent");
    const auto run = newRun(file);
    const long batches = 300;
    Child writer({FLOWER_STORE_WRITER_HELPER, "batches", file.string(), std::to_string(run),
                  std::to_string(kBatchPoints), std::to_string(batches), "1000"});
    RunStore reader(file);
    int reads = 0, partialViews = 0;
    std::size_t seen = 0;
    while (seen < static_cast<std::size_t>(batches)) {
        std::vector<ScalarPoint> points;
        try {
            points = reader.readSeries(run, "x");
        } catch (const flower::Error& e) {
            QFAIL((std::string("reader failed while the writer ran: ") + e.what()).c_str());
        }
        const auto counts = batchesIn(points);
        const std::string problem = checkWholeBatches(counts);
        QVERIFY2(problem.empty(), problem.c_str());
        QVERIFY2(counts.size() >= seen, "committed batches disappeared");
        seen = counts.size();
        ++reads;
        if (seen > 0 && seen < static_cast<std::size_t>(batches)) {
            ++partialViews;
        }
        if (reads > 200000) {
            QFAIL("the writer did not finish");
        }
    }
    QCOMPARE(writer.wait(), 0);
    QVERIFY2(partialViews > 0, "the reader never saw the writer in progress: the test proved nothing");
    QCOMPARE(std::string(toString(reader.run(run).status)), std::string("finished"));
    std::printf("INFO   : %d reads, %d while the writer was in progress\n", reads, partialViews);
}

void TestStoreProcesses::sigkillKeepsAcknowledgedBatches() {
    // Kill after the k-th acknowledgement plus a short delay that lands inside later work.
    const std::vector<std::pair<int, int>> moments = {{1, 0}, {3, 1}, {10, 2}, {40, 0}, {80, 3}};
    for (const auto& [acks, delayMs] : moments) {
        const fs::path file = freshDb("kill_" + std::to_string(acks));
        const auto run = newRun(file);
        Child writer({FLOWER_STORE_WRITER_HELPER, "batches", file.string(), std::to_string(run),
                      std::to_string(kBatchPoints), "0"});
        long lastAck = -1;
        for (int i = 0; i < acks; ++i) {
            const auto line = writer.readLine(20000);
            QVERIFY2(line.has_value(), "the writer stopped acknowledging");
            lastAck = std::stol(line->substr(line->find(' ') + 1));
        }
        if (delayMs > 0) {
            ::usleep(static_cast<useconds_t>(delayMs) * 1000);
        }
        writer.kill();
        // Acknowledgements already in the pipe count too: they were printed after a commit.
        while (const auto line = writer.readLine(2000)) {
            lastAck = std::stol(line->substr(line->find(' ') + 1));
        }
        QCOMPARE(writer.wait(), 128 + SIGKILL);

        RunStore store(file);
        QCOMPARE(store.integrityCheck(), std::string("ok"));
        const auto counts = batchesIn(store.readSeries(run, "x"));
        const std::string problem = checkWholeBatches(counts);
        QVERIFY2(problem.empty(), problem.c_str());
        QVERIFY2(static_cast<long>(counts.size()) >= lastAck + 1,
                 ("acknowledged batch " + std::to_string(lastAck) + " is missing; " +
                  std::to_string(counts.size()) + " present").c_str());
        // Its owner is dead: opening the store marked the run interrupted.
        QCOMPARE(std::string(toString(store.run(run).status)), std::string("interrupted"));
    }
}

void TestStoreProcesses::deadOwnerProcessMeansInterrupted() {
    const fs::path file = freshDb("owner");
    const auto run = newRun(file);
    const auto r = flower::test::runProcess(
        {FLOWER_STORE_WRITER_HELPER, "own", file.string(), std::to_string(run)});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, std::string("started\n"));
    RunStore store(file);
    const RunInfo info = store.run(run);
    QCOMPARE(std::string(toString(info.status)), std::string("interrupted"));
    QVERIFY(info.ownerPid.has_value());
    QVERIFY(*info.ownerPid != static_cast<std::int64_t>(::getpid()));
}

FLOWER_TEST_MAIN(TestStoreProcesses, readerSeesWholeBatchesWhileWriterRuns,
                 sigkillKeepsAcknowledgedBatches, deadOwnerProcessMeansInterrupted)
#ifdef FLOWER_TEST_QT
#include "test_store_processes.moc"
#endif
