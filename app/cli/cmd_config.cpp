// `flower config --resolve FILE [--set key.sub=value ...]`: the fully resolved experiment
// config as JSON (extends followed, overrides applied, validated).
#include "command.h"

#include "core/run/experiment_config.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

namespace {

struct ConfigArgs {
    std::string file;
    std::vector<std::string> overrides;
};

const flower::cli::Registration kConfig(20, [](CLI::App& root) {
    auto args = std::make_shared<ConfigArgs>();
    auto* cmd = root.add_subcommand("config", "Resolve and validate an experiment file");
    cmd->add_option("--resolve", args->file,
                    "Experiment file to resolve (follows \"extends\", applies --set, validates) "
                    "and print as JSON")
        ->required();
    cmd->add_option("--set", args->overrides,
                    "Override a field: key.sub=value (JSON value, or text for string fields); "
                    "repeatable")
        ->take_all();
    cmd->callback([args] {
        const auto config = flower::run::ExperimentConfig::load(args->file, args->overrides);
        std::printf("%s\n", config.toJson().dump(2).c_str());
    });
});

}  // namespace
