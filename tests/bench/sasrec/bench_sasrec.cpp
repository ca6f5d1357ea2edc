// bench_sasrec: seconds per SASRec epoch on Movies_and_TV — training (22 batches of 1,024 with
// one negative each) and full-ranking evaluation over all items — with the reference's recipe.
// The reference's script evaluates valid, test AND train after every epoch (to keep the best
// epoch's scores of all three); we evaluate valid per epoch and score the others once at the
// end, so both "train + valid eval" and "train + eval of all three splits" are printed, the
// latter being the reference's per-epoch work. Compare with reference_sasrec.py in one run
// (run_side_by_side.sh).
//   bench_sasrec [--dataset DIR] [--epochs N] [--threads T]
#include "core/data/dataset.h"
#include "core/sasrec/sasrec_evaluation.h"
#include "core/sasrec/sasrec_trainer.h"
#include "core/util/paths.h"
#include "core/util/runtime.h"
#include "tests/bench/bench_timing.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using namespace flower::sasrec;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    std::string dataset;
    int epochs = 3, threads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--dataset")) dataset = argv[i + 1];
        else if (!std::strcmp(argv[i], "--epochs")) epochs = std::stoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[i + 1]);
    }
    flower::util::configureTorchThreads(threads > 0 ? std::optional<int>(threads) : std::nullopt);
    if (dataset.empty()) {
        const auto shared = flower::util::sharedDir();
        if (!shared) {
            std::fprintf(stderr, "no --dataset and no ../shared\n");
            return 1;
        }
        dataset = (*shared / "data/Movies_and_TV").string();
    }
    const auto d = flower::data::loadDataset(dataset);
    SasRecTrainingOptions o;
    o.maxEpochs = epochs;
    SasRecTrainer trainer(d, o);
    auto r = trainer.train();
    std::vector<double> train, valid;
    for (const auto& e : r.epochs) {
        train.push_back(e.trainSeconds);
        valid.push_back(e.evalSeconds);
        std::printf("epoch %d: train %.3f s, valid eval %.3f s, loss %.4f, valid NDCG@20 %.4f\n", e.epoch,
                    e.trainSeconds, e.evalSeconds, e.loss, e.valid.ndcg(20));
    }
    double all = 0;
    for (const char* split : {"valid", "test", "train"}) {
        const auto t0 = Clock::now();
        const auto m = evaluateRanking(*r.model, trainer.split(split));
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        all += s;
        std::printf("full-ranking eval of %s (%lld rows): %.3f s\n", split,
                    static_cast<long long>(trainer.split(split).rows()), s);
        (void)m;
    }
    const double t = flower::bench::median(train), v = flower::bench::median(valid);
    std::printf("threads %d\n", torch::get_num_threads());
    std::printf("ours: train epoch %.3f s (median of %d); train + valid eval %.3f s; train + eval of all "
                "three splits (the reference's per-epoch work) %.3f s\n",
                t, epochs, t + v, t + all);
    return 0;
}
