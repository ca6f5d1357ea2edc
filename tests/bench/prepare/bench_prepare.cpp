// bench_prepare: `flower prepare-amazon`'s speed and memory on synthetic dumps in the 2018
// format (core/prepare/synthetic_raw_amazon.h). Writes ≥ --mb MB of review JSON (default 1100,
// gzipped and plain, kept in --dir for the next run), then prepares each in a child process
// and prints, per format: the review JSON MB, the reading phase's and the whole run's MB/s
// (uncompressed JSON bytes / wall seconds) and the child's peak RSS (getrusage; the same number
// `/usr/bin/time -v` prints as "Maximum resident set size"). Goal (issue 19): ≥ 100 MB/s on
// 2 cores. Usage: bench_prepare [--dir D] [--mb N] [--only gz|plain]
#include "core/prepare/amazon_raw.h"
#include "core/prepare/prepare_amazon.h"
#include "core/prepare/synthetic_raw_amazon.h"
#include "core/util/remove_tree.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void ensureRaw(const fs::path& dir, double mb, bool gzip) {
    const fs::path reviews = dir / (gzip ? "Bench.json.gz" : "Bench.json");
    if (fs::exists(reviews) && fs::exists(dir / (gzip ? "meta_Bench.json.gz" : "meta_Bench.json"))) return;
    flower::prepare::SyntheticRawConfig c;
    c.folder = dir.string();
    c.category = "Bench";
    c.items = 20000;
    c.users = 1000;
    c.reviewBytes = static_cast<std::uint64_t>(mb * 1e6);
    c.gzip = gzip;
    c.seed = 11;
    const auto t = Clock::now();
    const auto files = flower::prepare::writeSyntheticRaw(c);
    std::printf("wrote %s: %lld lines, %.1f MB of JSON in %.1f s\n", files.reviews.c_str(),
                static_cast<long long>(files.reviewLines), files.reviewTextBytes / 1e6, seconds(t));
}

// In a child: read phase alone, then the whole preparation; prints one line.
int runOne(const fs::path& dir, bool gzip) {
    const std::string ext = gzip ? ".json.gz" : ".json";
    const std::string meta = (dir / ("meta_Bench" + ext)).string();
    const std::string reviews = (dir / ("Bench" + ext)).string();
    auto t = Clock::now();
    const auto m = flower::prepare::readMeta(meta, true);
    const auto r = flower::prepare::readReviews(reviews, m, true);
    const double readSeconds = seconds(t);
    const double readMb = (m.file.textBytes + r.file.textBytes) / 1e6;

    flower::prepare::PrepareOptions o;
    o.meta = meta;
    o.reviews = reviews;
    o.category = "Bench";
    o.out = (dir / ("out-" + std::string(gzip ? "gz" : "plain"))).string();
    flower::util::removeTree(o.out);
    t = Clock::now();
    const auto s = flower::prepare::prepareAmazon(o);
    const double allSeconds = seconds(t);
    std::printf("%-5s  JSON %.0f MB (file %.0f MB)  read+parse %.2f s = %.0f MB/s  whole prepare %.2f s = %.0f MB/s  "
                "(%lld items, %lld users, %lld train rows, window from %s)\n",
                gzip ? "gzip" : "plain", readMb, (m.file.bytes + r.file.bytes) / 1e6, readSeconds, readMb / readSeconds,
                allSeconds, readMb / allSeconds, static_cast<long long>(s.items), static_cast<long long>(s.users),
                static_cast<long long>(s.train), s.start.c_str());
    std::fflush(stdout);
    flower::util::removeTree(o.out);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path dir = fs::temp_directory_path() / "flower-bench-prepare";
    double mb = 1100;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
        else if (!std::strcmp(argv[i], "--mb")) mb = std::stod(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
    }
    fs::create_directories(dir);
    for (const bool gzip : {true, false}) {
        if (!only.empty() && only != (gzip ? "gz" : "plain")) continue;
        ensureRaw(dir, mb, gzip);
        std::fflush(stdout);
        const pid_t child = ::fork();
        if (child == 0) {
            try {
                ::_exit(runOne(dir, gzip));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "bench_prepare: %s\n", e.what());
                ::_exit(1);
            }
        }
        int status = 0;
        struct rusage usage {};
        ::wait4(child, &status, 0, &usage);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
        std::printf("%-5s  peak RSS %.0f MB, CPU user %.1f s + system %.1f s\n", gzip ? "gzip" : "plain",
                    usage.ru_maxrss / 1024.0, usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6,
                    usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
    }
    return 0;
}
