// A writer process for the run-store tests (not a test itself).
//   store_writer_helper batches DB RUN N COUNT [PAUSE_US]   COUNT batches (0 = until killed) of N points of
//       series "x": batch b has steps b*N … b*N+N-1, all with value b. After each batch is
//       committed it prints "committed b" and flushes stdout: everything acknowledged must
//       survive a SIGKILL. PAUSE_US: a pause after each batch (lets a reader interleave).
//   store_writer_helper own DB RUN             starts RUN (owner = this process) and exits
//       without finishing it, as a crashed worker would.
#include "core/store/run_store.h"
#include "core/store/run_writer.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "own" && argc == 4) {
            flower::store::RunStore store(argv[2]);
            store.startRun(std::atoll(argv[3]));
            std::printf("started\n");
            return 0;
        }
        if (mode == "batches" && (argc == 6 || argc == 7)) {
            const long pauseUs = argc == 7 ? std::atol(argv[6]) : 0;
            const std::int64_t run = std::atoll(argv[3]);
            const int n = std::atoi(argv[4]);
            const long count = std::atol(argv[5]);
            {
                flower::store::RunStore store(argv[2]);
                store.startRun(run);
            }
            // The background timer runs too (every 5 ms): its flushes may land between our
            // explicit ones, but never inside a batch appended with one scalars() call.
            flower::store::WriterOptions options;
            options.flushInterval = std::chrono::milliseconds(5);
            flower::store::RunWriter writer(argv[2], run, options);
            std::vector<flower::store::NamedScalar> batch(static_cast<size_t>(n));
            for (long b = 0; count == 0 || b < count; ++b) {
                for (int i = 0; i < n; ++i) {
                    batch[static_cast<size_t>(i)] = {"x", {b * n + i, 0.0, static_cast<double>(b), 1.0}};
                }
                writer.scalars(batch);
                writer.flush();
                std::printf("committed %ld\n", b);
                std::fflush(stdout);
                if (pauseUs > 0) {
                    std::this_thread::sleep_for(std::chrono::microseconds(pauseUs));
                }
            }
            writer.finish(flower::store::RunStatus::Finished);
            return 0;
        }
        std::fprintf(stderr, "usage: store_writer_helper batches DB RUN N COUNT [PAUSE_US] | own DB RUN\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "store_writer_helper: %s\n", e.what());
        return 1;
    }
}
