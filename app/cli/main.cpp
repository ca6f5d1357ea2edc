// flower — the command-line face of the workbench. Commands live in cmd_*.cpp (command.h).
//
// Start-up: this program links the torch-free flower_base only; the commands that need LibTorch
// are in libflower_commands.so (app/CMakeLists.txt), loaded here only when the command line names
// one of them. The thread environment is set first, so libgomp and OpenBLAS, which are loaded
// with LibTorch, read it when they load: one process, LibTorch loaded once or not at
// all (`flower --version` and `flower tokenize` never load it). app/launcher/README.md has the
// measurements.
#include "command.h"

#include "core/util/error.h"
#include "core/util/runtime.h"
#include "flower/build_info.h"

#include <CLI/CLI.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

namespace {

// The root command with every command registered so far. `threads` receives --threads, which
// the library's thread set-up reads (torch_threads_option.cpp).
std::unique_ptr<CLI::App> makeApp(int& threads) {
    auto app = std::make_unique<CLI::App>("Flower Workbench: flow-guided tuning of LLM recommenders",
                                          "flower");
    app->set_version_flag("--version", std::string("flower ") + flower::build::kVersion + " (" +
                                           flower::build::kGitCommit + ")");
    app->require_subcommand(1);
    app->add_option("--threads", threads,
                    "LibTorch intra-op threads (default: all cores, or FLOWER_NUM_THREADS)")
        ->check(CLI::Range(1, 4096));
    for (const auto& setup : flower::cli::registeredCommands()) {
        setup(*app);
    }
    return app;
}

// False when the program itself can serve the command line: --version, or a command registered
// in the program (the torch-free ones). Knows the root's own options (--threads N, --version,
// defined above); anything else — the root's --help, no command, an unknown one — gets the full
// set of commands, so that help and error messages list them all.
bool needsCommandsLibrary(CLI::App& app, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--version") {
            return false;
        }
        if (arg == "--threads") {
            ++i;
            continue;
        }
        if (arg.starts_with("--threads=")) {
            continue;
        }
        if (arg.starts_with("-")) {
            return true;
        }
        const std::string name(arg);
        return app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); }).empty();
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    flower::util::retainFreedMemory();
    // Before LibTorch (with libgomp and OpenBLAS) can be loaded: they read these when they load.
    flower::util::setThreadEnvironment();

    int threads = 0;
    std::unique_ptr<CLI::App> app = makeApp(threads);
    if (needsCommandsLibrary(*app, argc, argv)) {
        // The library's static registrations add its commands to the program's registry.
        if (::dlopen(FLOWER_COMMANDS_LIBRARY, RTLD_NOW) == nullptr) {
            std::fprintf(stderr, "flower: error: cannot load the commands that need LibTorch: %s\n",
                         ::dlerror());
            return 1;
        }
        app = makeApp(threads);
    }
    try {
        app->parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 reports a misspelt command as "a subcommand is required"; name it instead.
        const auto extras = app->remaining();
        if (app->get_subcommands().empty() && !extras.empty() && e.get_exit_code() != 0) {
            std::fprintf(stderr, "flower: unknown command \"%s\" (see flower --help)\n",
                         extras.front().c_str());
            return e.get_exit_code();
        }
        return app->exit(e);
    } catch (const flower::Error& e) {
        std::fprintf(stderr, "flower: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flower: internal error: %s\n", e.what());
        return 2;
    }
    return 0;
}
