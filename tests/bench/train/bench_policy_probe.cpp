// bench_policy_probe — issue 18's "the policy bars for one node < 200 ms on the tiny preset":
// PolicyProbe::children() (whole-vocabulary and trie-renormalised probabilities of every child)
// for the states of random walks down the experiment's prefix tree, the way a user clicks:
//   step:  the next state is a child of the last one (the KV cache holds the parent: one
//          decoding step), or the root after a title's end (no model work);
//   jump:  a random state of a random title, the cache reset to the prompt first (one forward
//          of the whole prefix) — a search hit or a breadcrumb jump;
//   title: PolicyProbe::title() of a random title (one forward of its tokens);
//   prompt: setPrompt() of a random test row (the prompt pass).
// Usage: bench_policy_probe CHECKPOINT [--walks N] [--seed S]
//   CHECKPOINT: a run's checkpoint folder (runs/<id>/best); its experiment.json gives the tree.
// Prints median / p99 / max wall ms and the process CPU ms per call.
#include "core/flow/flow_explorer.h"
#include "core/train/flow_explorer_assembly.h"
#include "core/train/policy_probe.h"
#include "core/util/runtime.h"
#include "tests/bench/bench_timing.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

using namespace flower;

namespace {

double cpuMs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Timings {
    std::vector<double> wall, cpu;
    template <typename F>
    void time(F&& f) {
        const double c0 = cpuMs();
        const auto t0 = std::chrono::steady_clock::now();
        f();
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        cpu.push_back(cpuMs() - c0);
    }
    void print(const char* what) const {
        if (wall.empty()) return;
        std::vector<double> w = wall;
        std::sort(w.begin(), w.end());
        const double p99 = w[std::min(w.size() - 1, static_cast<std::size_t>(0.99 * static_cast<double>(w.size())))];
        std::printf("%-7s n %4zu  wall median %7.2f ms  p99 %7.2f  max %7.2f  | cpu median %7.2f ms\n", what,
                    w.size(), bench::median(wall), p99, w.back(), bench::median(cpu));
    }
};

}  // namespace

int main(int argc, char** argv) {
    util::ensureThreadEnvironment(argc, argv);
    util::configureTorchThreads();
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_policy_probe CHECKPOINT [--walks N] [--seed S]\n");
        return 2;
    }
    const std::string checkpoint = argv[1];
    int walks = 40;
    unsigned seed = 1;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--walks")) walks = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--seed")) seed = static_cast<unsigned>(std::atoi(argv[i + 1]));
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto probe = train::PolicyProbe::open(checkpoint);
    const double openMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const auto explorer = train::openFlowExplorer(probe.config());
    probe.checkCovers(explorer.trie());
    std::printf("checkpoint %s: model %s, %lld output ids, %zu titles, %zu nodes; opened in %.0f ms\n",
                checkpoint.c_str(), probe.config().model.c_str(), static_cast<long long>(probe.vocabularySize()),
                explorer.trie().titleCount(), explorer.trie().nodeCount(), openMs);
    const auto chunksOf = [&explorer](flow::FlowExplorer::State s) {
        std::vector<std::vector<text::TokenId>> out;
        for (const auto& c : explorer.children(s)) out.push_back(c.tokens);
        return out;
    };
    std::mt19937 rng(seed);
    const auto rows = probe.rows(train::Split::Test);
    Timings step, jump, title, prompt;
    for (int w = 0; w < walks; ++w) {
        prompt.time([&] {
            probe.setPrompt(train::ProbePrompt::datasetRow(train::Split::Test, static_cast<std::int64_t>(rng() % rows)));
        });
        // A walk from the root, each state a random child of the last, to a title's end.
        auto s = explorer.root();
        for (;;) {
            const auto chunks = chunksOf(s);
            if (chunks.empty()) break;
            step.time([&] { probe.children(explorer.trie(), s.node, chunks); });
            const auto states = explorer.childStates(s);
            s = states[rng() % states.size()];
        }
        // A jump: a random state along a random title, from the prompt's cache.
        const auto t = static_cast<flow::TitleIndex>(rng() % explorer.trie().titleCount());
        const auto path = explorer.path(explorer.titleState(t));
        const auto target = path[rng() % (path.size() - 1)];  // not the end (no children)
        const auto chunks = chunksOf(target);
        probe.children(explorer.trie(), explorer.root().node, chunksOf(explorer.root()));  // back at the root
        jump.time([&] { probe.children(explorer.trie(), target.node, chunks); });
        title.time([&] { probe.title(explorer.trie(), t); });
    }
    step.print("step");
    jump.print("jump");
    title.print("title");
    prompt.print("prompt");
    return 0;
}
