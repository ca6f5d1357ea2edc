// flower — the command-line face of the workbench. Commands live in cmd_*.cpp (command.h).
#include "command.h"

#include "core/util/error.h"
#include "core/util/runtime.h"
#include "flower/build_info.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);

    CLI::App app{"Flower Workbench: flow-guided tuning of LLM recommenders", "flower"};
    app.set_version_flag("--version", std::string("flower ") + flower::build::kVersion + " (" +
                                          flower::build::kGitCommit + ")");
    app.require_subcommand(1);
    int threads = 0;
    app.add_option("--threads", threads,
                   "LibTorch intra-op threads (default: all cores, or FLOWER_NUM_THREADS)")
        ->check(CLI::Range(1, 4096));
    // Threads are set before any subcommand callback runs.
    app.parse_complete_callback([&] {
        flower::util::configureTorchThreads(threads > 0 ? std::optional<int>(threads)
                                                        : std::nullopt);
    });
    for (const auto& setup : flower::cli::registeredCommands()) {
        setup(app);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 reports a misspelt command as "a subcommand is required"; name it instead.
        const auto extras = app.remaining();
        if (app.get_subcommands().empty() && !extras.empty() && e.get_exit_code() != 0) {
            std::fprintf(stderr, "flower: unknown command \"%s\" (see flower --help)\n",
                         extras.front().c_str());
            return e.get_exit_code();
        }
        return app.exit(e);
    } catch (const flower::Error& e) {
        std::fprintf(stderr, "flower: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flower: internal error: %s\n", e.what());
        return 2;
    }
    return 0;
}
