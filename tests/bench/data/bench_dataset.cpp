// How long reading the Movies_and_TV dataset takes (goal: well under a second), split into
// its parts, plus popularity groups and the synthetic generator. Median of several runs.
// Usage: bench_dataset [dataset dir] (default: ../shared/data/Movies_and_TV)
#include "core/data/csv_reader.h"
#include "core/data/dataset.h"
#include "core/data/popularity.h"
#include "core/data/popularity_groups.h"
#include "core/data/synthetic_catalog.h"
#include "core/util/paths.h"
#include "core/util/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

namespace {

double medianMs(int runs, const std::function<void()>& body) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        body();
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    std::filesystem::path dir;
    if (argc > 1) {
        dir = argv[1];
    } else if (const auto shared = flower::util::sharedDir()) {
        dir = *shared / "data" / "Movies_and_TV";
    } else {
        std::fprintf(stderr, "bench_dataset: ../shared is absent; pass a dataset folder\n");
        return 1;
    }
    using namespace flower::data;
    const int runs = 7;
    std::size_t sink = 0;
    const double csvOnly = medianMs(runs, [&] {
        sink += CsvTable::readFile(dir / "train.csv").records().size();
    });
    const double load = medianMs(runs, [&] { sink += loadDataset(dir).train.size(); });
    const Dataset d = loadDataset(dir);
    const double groups = medianMs(runs, [&] {
        const Popularity pop(d.catalog, d.train);
        const PopularityGroups g(pop, 8);
        sink += g.historyDistribution(d.catalog, d.train).counts.size();
    });
    const double synth = medianMs(3, [&] { sink += generateSynthetic({}).dataset.train.size(); });
    std::printf("dataset: %s (%zu + %zu + %zu rows)\n", dir.string().c_str(), d.train.size(),
                d.valid.size(), d.test.size());
    std::printf("train.csv RFC 4180 parse only       : %8.1f ms\n", csvOnly);
    std::printf("loadDataset (4 files, lists, ids)   : %8.1f ms\n", load);
    std::printf("popularity + 8 groups + distribution: %8.1f ms\n", groups);
    std::printf("generateSynthetic (400 items, 2000 users): %8.1f ms\n", synth);
    std::printf("(median of %d runs; checksum %zu)\n", runs, sink);
    return 0;
}
