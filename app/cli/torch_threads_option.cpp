// --threads, an option of the root (main.cpp), sets LibTorch's intra-op threads. This file is
// in libflower_commands.so, so the threads are set only when LibTorch is loaded, and before any
// of the library's commands runs (the root's parse-complete callback precedes them).
#include "command.h"

#include "core/util/runtime.h"

#include <CLI/CLI.hpp>

#include <optional>

namespace {
const flower::cli::Registration kTorchThreads(0, [](CLI::App& root) {
    root.parse_complete_callback([&root] {
        const CLI::Option* option = root.get_option("--threads");
        const int threads = option->count() > 0 ? option->as<int>() : 0;
        flower::util::configureTorchThreads(threads > 0 ? std::optional<int>(threads)
                                                        : std::nullopt);
    });
});
}  // namespace
