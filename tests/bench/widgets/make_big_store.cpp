// make_big_store — writes the scale store of issue 17: RUNS runs × STEPS steps × 5 series
// (loss/total, loss/sft, lr, grad_norm, tokens_per_s; 5 M points by default), through RunStore
// and RunWriter as a trainer would, plus a group histogram, divergences and DGU/MGU every
// 1,000 steps so that every monitor tab has something to show.
// Usage: make_big_store FILE [--runs N] [--steps N]   (FILE must not exist)
// Prints the points written, the time taken and the file's size.
#include "core/store/run_store.h"
#include "core/store/run_writer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace flower::store;
using Clock = std::chrono::steady_clock;

int usage() {
    std::fprintf(stderr, "usage: make_big_store FILE [--runs N] [--steps N]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::filesystem::path file = argv[1];
    long runs = 100;
    long steps = 10000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--runs") == 0) runs = std::atol(argv[i + 1]);
        else if (std::strcmp(argv[i], "--steps") == 0) steps = std::atol(argv[i + 1]);
        else return usage();
    }
    if (std::filesystem::exists(file)) {
        std::fprintf(stderr, "make_big_store: %s exists; remove it first\n", file.c_str());
        return 1;
    }
    try {
        const auto t0 = Clock::now();
        RunStore store(file);
        const double start = unixNow() - 3600.0 * static_cast<double>(runs);
        std::uint32_t rng = 2024;
        auto noise = [&rng] {
            rng = rng * 1664525u + 1013904223u;
            return static_cast<double>(rng >> 8) / (1 << 24) - 0.5;  // [-0.5, 0.5)
        };
        long long points = 0;
        for (long r = 0; r < runs; ++r) {
            const bool flower = r % 2 == 1;
            const std::string name = std::string(flower ? "flower" : "sft") + "-seed" + std::to_string(r / 2);
            const std::string config = "{\"max_steps\": " + std::to_string(steps) +
                                       ", \"evaluation\": {\"every_steps\": 1000}}";
            const auto id = store.createRun({name, config, flower ? "flower" : "sft", "synthetic", r / 2, "cpu"});
            store.startRun(id);
            RunWriter w(file, id, {std::chrono::milliseconds(250), 1u << 30, false});
            const double t = start + 3600.0 * static_cast<double>(r);
            for (long s = 0; s < steps; ++s) {
                const double x = static_cast<double>(s) / static_cast<double>(steps);
                const double sft = 2.2 + 1.8 * std::exp(-6 * x) + 0.15 * noise();
                const double total = flower ? sft + 0.5 * std::exp(-4 * x) + 0.1 * noise() : sft;
                const double lr = 1e-3 * std::min(1.0, (static_cast<double>(s) + 1) / 100.0);
                const std::vector<NamedScalar> group = {
                    {"loss/total", {s, 5 * x, total, t + 0.3 * static_cast<double>(s)}},
                    {"loss/sft", {s, 5 * x, sft, t + 0.3 * static_cast<double>(s)}},
                    {"lr", {s, 5 * x, lr, t + 0.3 * static_cast<double>(s)}},
                    {"grad_norm", {s, 5 * x, 1.0 + std::exp(-3 * x) + 0.3 * std::abs(noise()), t + 0.3 * static_cast<double>(s)}},
                    {"tokens_per_s", {s, 5 * x, 2400 + 200 * noise(), t + 0.3 * static_cast<double>(s)}},
                };
                w.scalars(group);
                points += static_cast<long long>(group.size());
                if ((s + 1) % 1000 == 0) {
                    std::vector<double> bins(8);
                    double sum = 0;
                    for (int g = 0; g < 8; ++g) sum += bins[static_cast<std::size_t>(g)] = std::exp(-(0.6 - 0.3 * x) * g);
                    for (double& b : bins) b /= sum;
                    w.histogram("groups_recommended", s, bins);
                    w.divergence(DivergenceLevel::Title, DivergenceKind::Js, s, 0.1 * std::exp(-3 * x));
                    w.evaluation("valid", "dgu", 10, s, 0.3 * std::exp(-2 * x));
                    w.evaluation("valid", "mgu", 10, s, 0.05 * std::exp(-2 * x));
                    w.evaluation("valid", "ndcg", 10, s, 0.02 + 0.01 * x);
                }
                if ((s + 1) % 2000 == 0) w.flush();
            }
            w.finish(RunStatus::Finished);
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        std::printf("make_big_store: %ld runs x %ld steps x 5 series = %lld points in %.1f s "
                    "(%.0f points/s), %s: %.0f MB\n",
                    runs, steps, points, seconds, static_cast<double>(points) / seconds, file.c_str(),
                    static_cast<double>(std::filesystem::file_size(file)) / 1e6);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "make_big_store: %s\n", e.what());
        return 1;
    }
    return 0;
}
