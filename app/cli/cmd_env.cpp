// `flower env`: what this process runs with — the facts that decide training speed.
#include "command.h"

#include "core/util/paths.h"
#include "core/util/runtime.h"
#include "flower/build_info.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>

namespace {
const flower::cli::Registration kEnv(90, [](CLI::App& root) {
    auto* cmd = root.add_subcommand("env", "Print the runtime environment as JSON "
                                           "(threads, OpenMP and OpenBLAS waiting, LibTorch, files found)");
    cmd->callback([] {
        const char* policy = std::getenv("OMP_WAIT_POLICY");
        const char* blasTimeout = std::getenv("OPENBLAS_THREAD_TIMEOUT");
        const auto shared = flower::util::sharedDir();
        nlohmann::json out = {
            {"version", flower::build::kVersion},
            {"git_commit", flower::build::kGitCommit},
            {"omp_wait_policy", policy ? policy : ""},
            {"openblas_thread_timeout", blasTimeout ? blasTimeout : ""},
            // True when this process is a re-execution (util::ensureThreadEnvironment); `flower`
            // itself never re-executes (main.cpp).
            {"reexecuted", std::getenv("FLOWER_REEXECUTED") != nullptr},
            {"torch_threads", torch::get_num_threads()},
            {"torch_version", std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH)},
            {"cuda_available", torch::cuda::is_available()},
            {"blas", flower::util::loadedBlasLibrary()},
            {"tokenizer", flower::util::defaultTokenizerPath().string()},
            {"shared_dir", shared ? shared->string() : ""},
        };
        std::printf("%s\n", out.dump(2).c_str());
    });
});
}  // namespace
