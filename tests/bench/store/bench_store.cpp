// bench_store — the run store's speed against the goals of issue 5:
//   insert rate of scalar points through RunWriter (goal ≥ 200,000 points/s, batched),
//   reading a 1,000,000-point series (goal ≤ 300 ms),
//   opening a store that holds 1,000 runs (and listing them).
// Usage: bench_store [folder]  (default: the system temp folder). Prints one line per figure.
#include "core/store/run_store.h"
#include "core/util/remove_tree.h"
#include "core/store/run_writer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace flower::store;

double msSince(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

fs::path freshDb(const fs::path& root, const std::string& name) {
    const fs::path dir = root / ("flower_bench_store_" + std::to_string(::getpid()) + "_" + name);
    flower::util::removeTree(dir);
    fs::create_directories(dir);
    return dir / "runs.sqlite";
}

// `points` points spread over `keys` series (one point per series per step, as a trainer logs),
// appended by this thread while the writer's timer commits in the background.
double insertRate(const fs::path& file, std::int64_t points, int keys) {
    RunStore store(file);
    const auto run = store.createRun(NewRun{"bench", "{}", "flower", "synthetic", 0, "cpu"});
    std::vector<std::string> names;
    for (int k = 0; k < keys; ++k) {
        names.push_back("series/" + std::to_string(k));
    }
    const auto t0 = Clock::now();
    {
        RunWriter writer(file, run);
        for (std::int64_t i = 0; i < points; ++i) {
            writer.scalar(names[static_cast<size_t>(i % keys)], i / keys, static_cast<double>(i),
                          0.0, 1.0);
        }
        writer.finish(RunStatus::Finished);  // the last flush is part of the time
    }
    const double ms = msSince(t0);
    return static_cast<double>(points) / (ms / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path root = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path();

    // 1. Insert rate.
    for (const int keys : {1, 10}) {
        std::vector<double> rates;
        for (int rep = 0; rep < 3; ++rep) {
            rates.push_back(insertRate(freshDb(root, "insert"), 1'000'000, keys));
        }
        std::printf("insert: 1,000,000 scalar points over %2d series: %9.0f points/s "
                    "(median of 3; goal >= 200,000)\n", keys, median(rates));
    }

    // 2. Reading a 1,000,000-point series (written by the insert of step 1's layout).
    const fs::path readFile = freshDb(root, "read");
    insertRate(readFile, 1'000'000, 1);
    {
        RunStore store(readFile);
        std::vector<double> times;
        std::size_t n = 0;
        for (int rep = 0; rep < 5; ++rep) {
            const auto t0 = Clock::now();
            n = store.readSeries(1, "series/0").size();
            times.push_back(msSince(t0));
        }
        std::printf("read: %zu-point series: %.1f ms (median of 5; goal <= 300 ms)\n", n,
                    median(times));
        std::vector<double> tail;
        for (int rep = 0; rep < 50; ++rep) {
            const auto t0 = Clock::now();
            n = store.readSeries(1, "series/0", 999'899).size();
            tail.push_back(msSince(t0));
        }
        std::printf("read: the %zu points after step 999,899 of that series: %.3f ms (median of 50)\n",
                    n, median(tail));
    }

    // 3. Opening a store with 1,000 runs (each with a few points and evaluations).
    const fs::path openFile = freshDb(root, "open");
    {
        RunStore store(openFile);
        for (int i = 0; i < 1000; ++i) {
            const auto id = store.createRun(NewRun{"run-" + std::to_string(i), R"({"seed":0})",
                                                   "flower", "Movies_and_TV", i % 5, "cpu"});
            WriterOptions options;
            options.backgroundThread = false;
            RunWriter writer(openFile, id, options);
            for (int step = 0; step < 20; ++step) {
                writer.scalar("loss", step, 1.0 / (step + 1));
            }
            writer.evaluation("test", "ndcg", 5, 20, 0.03);
            writer.finish(RunStatus::Finished);
        }
    }
    std::vector<double> opens, lists;
    std::size_t listed = 0;
    for (int rep = 0; rep < 7; ++rep) {
        auto t0 = Clock::now();
        RunStore store(openFile);
        opens.push_back(msSince(t0));
        t0 = Clock::now();
        listed = store.listRuns().size();
        lists.push_back(msSince(t0));
    }
    std::printf("open: store with %zu runs: open %.2f ms, list runs %.2f ms (medians of 7)\n",
                listed, median(opens), median(lists));
    flower::util::removeTree(readFile.parent_path());
    flower::util::removeTree(openFile.parent_path());
    return 0;
}
