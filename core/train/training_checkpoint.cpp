#include "core/train/training_checkpoint.h"
#include "core/util/remove_tree.h"
#include "core/util/sync_tree.h"

#include "core/train/optimizer_state_key.h"

#include "core/model/checkpoint_reader.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/model/safetensors_reader.h"
#include "core/model/safetensors_writer.h"
#include "core/train/master_weights.h"
#include "core/util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/optim/adamw.h>

#include <fstream>
#include <mutex>
#include <unistd.h>

namespace flower::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateFile = "trainer_state.json";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kRngFile = "rng.safetensors";
constexpr const char* kMasterFile = "master.safetensors";
constexpr const char* kFormat = "flower-training-checkpoint";
constexpr int kVersion = 1;

at::Tensor generatorState(at::Generator& gen) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void setGeneratorState(at::Generator& gen, const at::Tensor& state) {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

void writeText(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        throw Error({file.string(), 0, ""}, "cannot write the file");
    }
}

nlohmann::json readJson(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw Error({file.string(), 0, ""}, "cannot read the file (incomplete checkpoint?)");
    }
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error({file.string(), 0, ""}, std::string("not valid JSON: ") + e.what());
    }
}

// Folders next to `dir` named `<dir name><marker><anything>`.
std::vector<fs::path> siblings(const fs::path& dir, const std::string& marker) {
    std::vector<fs::path> found;
    const fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    const std::string prefix = dir.filename().string() + marker;
    std::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) == 0 && it->is_directory()) {
            found.push_back(it->path());
        }
    }
    return found;
}

nlohmann::json positionToJson(const TrainingPosition& p) {
    nlohmann::json j;
    j["step"] = p.step;
    j["epoch"] = p.epoch;
    j["index_in_epoch"] = p.indexInEpoch;
    j["best_metric"] = p.bestMetric ? nlohmann::json(*p.bestMetric) : nlohmann::json(nullptr);
    j["best_step"] = p.bestStep;
    j["evaluations_without_improvement"] = p.evaluationsWithoutImprovement;
    j["last_evaluated_step"] = p.lastEvaluatedStep;
    j["tokens"] = p.tokens;
    j["epoch_scalar_sums"] = p.epochScalarSums;
    j["epoch_steps"] = p.epochSteps;
    j["objective_state"] = p.objectiveState;
    return j;
}

TrainingPosition positionFromJson(const nlohmann::json& j, const fs::path& file) {
    try {
        if (j.value("format", "") != kFormat || j.value("version", 0) != kVersion) {
            throw Error({file.string(), 0, "format"},
                        std::string("expected a ") + kFormat + " version " + std::to_string(kVersion));
        }
        const auto& p = j.at("position");
        TrainingPosition pos;
        pos.step = p.at("step").get<std::int64_t>();
        pos.epoch = p.at("epoch").get<std::int64_t>();
        pos.indexInEpoch = p.at("index_in_epoch").get<std::int64_t>();
        if (!p.at("best_metric").is_null()) {
            pos.bestMetric = p.at("best_metric").get<double>();
        }
        pos.bestStep = p.at("best_step").get<std::int64_t>();
        pos.evaluationsWithoutImprovement = p.at("evaluations_without_improvement").get<int>();
        pos.lastEvaluatedStep = p.at("last_evaluated_step").get<std::int64_t>();
        pos.tokens = p.at("tokens").get<std::int64_t>();
        // Absent in checkpoints written before objectives carried state: nothing to restore.
        pos.epochScalarSums = p.value("epoch_scalar_sums", std::map<std::string, double>{});
        pos.epochSteps = p.value("epoch_steps", std::int64_t{0});
        pos.objectiveState = p.value("objective_state", std::map<std::string, double>{});
        return pos;
    } catch (const nlohmann::json::exception& e) {
        throw Error({file.string(), 0, "position"}, std::string("malformed: ") + e.what());
    }
}

}  // namespace

RngState RngState::capture(at::Generator& sampling) {
    at::Generator def = at::detail::getDefaultCPUGenerator();
    return {generatorState(sampling), generatorState(def)};
}

void RngState::restore(at::Generator& sampling) const {
    at::Generator def = at::detail::getDefaultCPUGenerator();
    setGeneratorState(sampling, this->sampling);
    setGeneratorState(def, torchDefault);
}

void TrainingCheckpoint::write(const fs::path& dir, model::Qwen2ForCausalLMImpl& model,
                               const torch::optim::AdamW& optimizer, const MasterWeights& masters,
                               const TrainingPosition& position, const RngState& rng,
                               const CheckpointExtras& extras) {
    const std::string pid = std::to_string(::getpid());
    // Leftovers of a crashed write by this run: nobody else writes this run's checkpoints.
    for (const auto& stale : siblings(dir, ".tmp-")) {
        flower::util::removeTree(stale);
    }
    const fs::path tmp = dir.string() + ".tmp-" + pid;
    fs::create_directories(tmp);

    model::saveQwen2(model, tmp);

    model::NamedTensors moments;
    model::NamedTensors masterTensors;
    nlohmann::json steps = nlohmann::json::object();
    const auto& state = optimizer.state();
    for (const auto& item : model.named_parameters()) {
        const at::Tensor optimized = masters.optimizedFor(item.value());
        TORCH_CHECK(optimized.defined(), "the master weights are not over this model's parameters");
        if (!optimized.is_same(item.value())) {
            masterTensors.emplace_back(item.key(), optimized.detach().contiguous());  // fp32
        }
        const auto found = state.find(optimizerStateKey(optimized));
        if (found == state.end()) {
            continue;  // never updated (no gradient yet)
        }
        const auto& s = static_cast<const torch::optim::AdamWParamState&>(*found->second);
        moments.emplace_back(item.key() + ".exp_avg", s.exp_avg().detach().contiguous());
        moments.emplace_back(item.key() + ".exp_avg_sq", s.exp_avg_sq().detach().contiguous());
        steps[item.key()] = s.step();
    }
    model::writeSafetensors(tmp / kOptimizerFile, moments);
    if (!masterTensors.empty()) {
        model::writeSafetensors(tmp / kMasterFile, masterTensors);
    }
    model::writeSafetensors(tmp / kRngFile, {{"sampling", rng.sampling.contiguous()},
                                             {"torch_default", rng.torchDefault.contiguous()}});
    if (!extras.experimentJson.empty()) {
        writeText(tmp / "experiment.json", extras.experimentJson);
    }
    if (!extras.vocabularyMapFile.empty()) {
        fs::copy_file(extras.vocabularyMapFile, tmp / "vocabulary_map.json",
                      fs::copy_options::overwrite_existing);
    }
    nlohmann::json j;
    j["format"] = kFormat;
    j["version"] = kVersion;
    j["position"] = positionToJson(position);
    j["optimizer_steps"] = steps;
    writeText(tmp / kStateFile, j.dump(2));  // last: its presence marks a whole checkpoint
    // Every byte on disk before the swap: a rename that reaches the disk before the files'
    // data would leave a `last` with a state file but empty weights after a power cut.
    flower::util::syncTree(tmp);

    if (fs::exists(dir)) {
        // One atomic swap: at no moment is there no `dir`. Where the filesystem cannot swap,
        // two renames, with `resolve` finding the `.old-*` of a crash between them.
        if (flower::util::exchangePaths(tmp, dir)) {
            flower::util::removeTree(tmp);
        } else {
            const fs::path old = dir.string() + ".old-" + pid;
            flower::util::removeTree(old);
            fs::rename(dir, old);
            fs::rename(tmp, dir);
            flower::util::removeTree(old);
        }
    } else {
        fs::rename(tmp, dir);
    }
    flower::util::syncDirectory(dir.parent_path().empty() ? fs::path(".") : dir.parent_path());
    // An `.old-*` of an earlier crash is superseded now.
    for (const auto& stale : siblings(dir, ".old-")) {
        flower::util::removeTree(stale);
    }
}

std::optional<fs::path> TrainingCheckpoint::resolve(const fs::path& dir) {
    if (fs::exists(dir / kStateFile)) {
        return dir;
    }
    for (const auto& old : siblings(dir, ".old-")) {
        if (fs::exists(old / kStateFile)) {
            return old;
        }
    }
    return std::nullopt;
}

TrainingPosition TrainingCheckpoint::readPosition(const fs::path& dir) {
    const auto where = resolve(dir);
    if (!where) {
        throw Error({dir.string(), 0, ""}, std::string("no complete training checkpoint here (") +
                                               kStateFile + " missing)");
    }
    const fs::path file = *where / kStateFile;
    return positionFromJson(readJson(file), file);
}

TrainingPosition TrainingCheckpoint::read(const fs::path& dir, model::Qwen2ForCausalLMImpl& model,
                                          torch::optim::AdamW& optimizer, MasterWeights& masters,
                                          RngState& rng) {
    const auto where = resolve(dir);
    if (!where) {
        throw Error({dir.string(), 0, ""}, std::string("no complete training checkpoint here (") +
                                               kStateFile + " missing)");
    }
    const fs::path stateFile = *where / kStateFile;
    const nlohmann::json j = readJson(stateFile);
    const TrainingPosition position = positionFromJson(j, stateFile);
    const fs::path masterFile = *where / kMasterFile;
    const bool haveMasters = fs::exists(masterFile);
    // Checked before anything is loaded: the model stays as it was.
    if (masters.hasMasters() && !haveMasters) {
        throw Error({masterFile.string(), 0, ""},
                    "missing: the checkpoint of a bfloat16/float16 model must hold its fp32 master "
                    "weights (re-deriving them from the rounded weights of model.safetensors "
                    "would change the run)");
    }

    const auto params = model.named_parameters();
    {
        torch::NoGradGuard noGrad;
        model::loadQwen2Weights(model, model::CheckpointReader(*where));
        if (haveMasters) {
            const model::SafetensorsReader file(masterFile);
            for (const auto& name : file.names()) {
                if (!params.contains(name)) {
                    throw Error({masterFile.string(), 0, name},
                                "master weight of a parameter the model does not have");
                }
            }
            for (const auto& item : params) {
                const std::string& name = item.key();
                at::Tensor p = item.value();
                at::Tensor optimized = masters.optimizedFor(p);
                TORCH_CHECK(optimized.defined(), "the master weights are not over this model's parameters");
                const bool hasMaster = !optimized.is_same(p);
                if (!file.contains(name)) {
                    if (hasMaster) {
                        throw Error({masterFile.string(), 0, name}, "the master weight is missing");
                    }
                    continue;  // an fp32 parameter of a partly low-precision model
                }
                const at::Tensor t = file.tensor(name);
                if (t.sizes() != p.sizes()) {
                    throw Error({masterFile.string(), 0, name},
                                "master weight of another shape than the parameter");
                }
                // An fp32 parameter takes the exact master; a master also sets its parameter,
                // so the two agree whatever model.safetensors holds.
                optimized.copy_(t);
                if (hasMaster) {
                    p.copy_(optimized);
                }
            }
        }
    }

    const model::SafetensorsReader moments(*where / kOptimizerFile);
    for (const auto& name : moments.names()) {
        const auto dot = name.rfind(".exp_avg");
        if (dot == std::string::npos || !params.contains(name.substr(0, dot))) {
            throw Error({moments.path().string(), 0, name},
                        "optimizer state of a parameter the model does not have");
        }
    }
    auto& state = optimizer.state();
    state.clear();
    const auto& steps = j.value("optimizer_steps", nlohmann::json::object());
    for (const auto& item : params) {
        const std::string avg = item.key() + ".exp_avg", avgSq = item.key() + ".exp_avg_sq";
        if (!moments.contains(avg)) {
            continue;
        }
        const at::Tensor p = masters.optimizedFor(item.value());  // the master, or the parameter
        TORCH_CHECK(p.defined(), "the master weights are not over this model's parameters");
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        at::Tensor a = moments.tensor(avg), b = moments.tensor(avgSq);
        if (a.sizes() != p.sizes() || b.sizes() != p.sizes() || !steps.contains(item.key())) {
            throw Error({moments.path().string(), 0, item.key()},
                        "optimizer moments do not match the parameter's shape or lack a step count");
        }
        s->exp_avg(a.to(p.options(), false, true));
        s->exp_avg_sq(b.to(p.options(), false, true));
        s->step(steps.at(item.key()).get<std::int64_t>());
        state[optimizerStateKey(p)] = std::move(s);
    }

    const model::SafetensorsReader rngFile(*where / kRngFile);
    rng.sampling = rngFile.tensor("sampling").clone();
    rng.torchDefault = rngFile.tensor("torch_default").clone();
    return position;
}

}  // namespace flower::train
