#include "core/train/run_session.h"

#include "core/store/run_store.h"
#include "core/store/store_location.h"
#include "core/text/vocabulary_map.h"
#include "core/train/trainer.h"
#include "core/train/training_checkpoint.h"
#include "core/util/error.h"
#include "core/util/remove_tree.h"

#include <nlohmann/json.hpp>

namespace flower::train {

namespace fs = std::filesystem;

namespace {

store::NewRun describeRun(const run::ExperimentConfig& config, const std::string& device) {
    store::NewRun fresh;
    fresh.name = config.name;
    fresh.configJson = config.toJson().dump();
    fresh.method = std::string(run::toString(config.method));
    fresh.dataset = config.dataset;
    fresh.seed = config.seed;
    fresh.device = device;
    return fresh;
}

// Checks that an existing run may start before the (slow) assembly is paid for.
void checkStartable(store::RunStore& runs, std::int64_t runId) {
    const store::RunInfo info = runs.run(runId);
    if (info.status == store::RunStatus::Running || info.status == store::RunStatus::Finished ||
        info.status == store::RunStatus::Failed) {
        throw Error({runs.file().string(), 0, "run " + std::to_string(runId)},
                    "cannot start a run in state " + std::string(store::toString(info.status)));
    }
}

}  // namespace

std::int64_t enqueueRun(const fs::path& storeFile, const run::ExperimentConfig& config) {
    store::RunStore runs(storeFile);
    return runs.createRun(describeRun(config, std::string(run::toString(config.device))));
}

run::ExperimentConfig experimentOfRun(const fs::path& storeFile, std::int64_t runId) {
    store::StoreOptions storeOptions;
    storeOptions.create = false;
    const store::RunInfo info = store::RunStore(storeFile, storeOptions).run(runId);
    if (info.method == "sasrec") {
        throw Error({storeFile.string(), 0, ""},
                    "run " + std::to_string(runId) + " is a sasrec run (`flower sasrec train`): it "
                    "keeps only its best epoch, no checkpoint to continue from, and is not an "
                    "experiment; train it again with `flower sasrec train --dataset " +
                        info.dataset + " --seed " + std::to_string(info.seed) + "`");
    }
    return run::ExperimentConfig::fromJson(nlohmann::json::parse(info.configJson),
                                           "run " + std::to_string(runId));
}

std::unique_ptr<RunSession> RunSession::open(const fs::path& storeFile, std::int64_t runId) {
    const auto config = experimentOfRun(storeFile, runId);
    RunSessionOptions options;
    options.storeFile = storeFile;
    options.runId = runId;
    return std::make_unique<RunSession>(config, options);
}

RunSession::RunSession(const run::ExperimentConfig& config, RunSessionOptions options)
    : options_(std::move(options)) {
    store::RunStore runs(options_.storeFile);
    AssemblyOptions assemblyOptions;
    assemblyOptions.storeFile = options_.storeFile;  // for "preference": {"run": id}
    if (options_.runId) {
        checkStartable(runs, *options_.runId);
        try {
            assembly_ = assembleRun(config, assemblyOptions);
        } catch (const std::exception& e) {
            // A queued run whose experiment cannot be built would block the queue forever.
            if (runs.run(*options_.runId).status == store::RunStatus::Queued) {
                runs.finishRun(*options_.runId, store::RunStatus::Failed, e.what());
            }
            throw;
        }
        runId_ = *options_.runId;
        runs.setDevice(runId_, assembly_.device);
        const store::RunStatus status = runs.run(runId_).status;
        const fs::path folder = store::runDirectory(options_.storeFile, runId_);
        // resolve: a `last` whose swap a crash interrupted is still found (as `last.old-*`).
        if (status != store::RunStatus::Queued && !TrainingCheckpoint::resolve(folder / "last")) {
            // Stopped before its first checkpoint: only the assembly made it this far, so
            // starting over loses nothing. The old points go, or two runs' points would mix.
            runs.clearMeasurements(runId_);
            flower::util::removeTree(folder);
            startsOver_ = true;
        }
    } else {
        assembly_ = assembleRun(config, assemblyOptions);
        runId_ = runs.createRun(describeRun(config, assembly_.device));
    }
    directory_ = store::runDirectory(options_.storeFile, runId_);
    fs::create_directories(directory_);
    auto trainerOptions = TrainerOptions::fromConfig(assembly_.config, directory_);
    if (assembly_.vocabulary) {
        // Checkpoints copy it, so every checkpoint is a complete model directory.
        assembly_.vocabulary->save(directory_ / "vocabulary_map.json");
        trainerOptions.extras.vocabularyMapFile = directory_ / "vocabulary_map.json";
    }
    trainer_ = std::make_shared<Trainer>(assembly_.model, assembly_.objective, assembly_.data,
                                         assembly_.evaluator, trainerOptions);
    RunControllerOptions controllerOptions;
    controllerOptions.storeFile = options_.storeFile;
    controllerOptions.runId = runId_;
    if (options_.runId && TrainingCheckpoint::resolve(directory_ / "last")) {
        controllerOptions.resumeFrom = directory_ / "last";
        continues_ = true;
        // What the killed attempt measured after its checkpoint is computed again from there.
        runs.truncateMeasurements(runId_, TrainingCheckpoint::readPosition(directory_ / "last").step);
    }
    controller_ = std::make_unique<RunController>(trainer_, controllerOptions);
}

RunSession::~RunSession() {
    // The worker uses the trainer and the assembly: it must end before they go.
    controller_.reset();
}

}  // namespace flower::train
