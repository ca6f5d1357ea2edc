// Subcommands of the `flower` CLI register themselves: each cmd_*.cpp defines a
// `const flower::cli::Registration` at namespace scope, so main.cpp never changes when a
// command is added (and parallel work on commands does not collide).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace flower::cli {

// Adds one subcommand (with its options and callback) to the root app.
using CommandSetup = std::function<void(CLI::App& root)>;

struct Registration {
    // `order` sorts commands in --help (lower first); ties keep link order.
    Registration(int order, CommandSetup setup);
};

// All registered setups, sorted by order.
std::vector<CommandSetup> registeredCommands();

}  // namespace flower::cli
