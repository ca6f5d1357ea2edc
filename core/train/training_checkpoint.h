// TrainingCheckpoint: everything a run needs to continue exactly where it stopped, as one
// directory:
//   config.json + model.safetensors   the policy in the Hugging Face layout (saveQwen2), so
//                                     `loadQwen2(dir)` and Python's from_pretrained read it
//                                     (in the model's dtype: bf16 weights are the rounded masters)
//   optimizer.safetensors             AdamW exp_avg / exp_avg_sq per parameter, by HF name, in
//                                     the dtype the optimiser keeps them (fp32 for bf16 models)
//   master.safetensors                only for a bf16/fp16 model: the fp32 master weights
//                                     (master_weights.h) by HF name, so a resume continues from
//                                     the exact masters, not from the rounded model weights
//   rng.safetensors                   the sampling generator's and torch's default CPU
//                                     generator's states (uint8)
//   trainer_state.json                data position, optimiser step counts, early-stopping
//                                     state; written last, so its presence marks a whole checkpoint
//   experiment.json, vocabulary_map.json   copies of the run's config / vocabulary, when given
// No pickles: every file is safetensors or JSON.
//
// Atomicity: write() fills `<dir>.tmp-<pid>` and renames it over `<dir>`; the previous
// checkpoint is moved to `<dir>.old-<pid>` first and deleted only after the new one is in
// place. resolve() finds the old one if a crash fell between the two renames; stale `.tmp-*`
// folders of a crashed write are ignored by readers and removed by the next write.
// Failure: flower::Error naming the directory and file (missing, incomplete, a tensor of the
// wrong shape, a parameter the model does not have; a bf16/fp16 model reading a checkpoint
// without master.safetensors — re-deriving masters from rounded weights would silently change
// the trajectory). A master.safetensors read into an fp32/fp64 model sets its parameters to the
// masters (more exact than model.safetensors).
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace torch::optim {
class AdamW;
}
namespace flower::model {
class Qwen2ForCausalLMImpl;
}

namespace flower::train {

class MasterWeights;

// Where the trainer stands: enough to resume bit-for-bit on the CPU.
struct TrainingPosition {
    std::int64_t step = 0;            // optimiser updates done
    std::int64_t epoch = 0;           // epoch in progress (0-based)
    std::int64_t indexInEpoch = 0;    // examples of this epoch's permutation consumed
    std::optional<double> bestMetric; // best monitored value so far
    std::int64_t bestStep = -1;       // step of bestMetric, -1 = none
    int evaluationsWithoutImprovement = 0;  // early-stopping patience counter
    std::int64_t lastEvaluatedStep = -1;    // avoids evaluating one step twice
    std::int64_t tokens = 0;          // tokens processed so far (throughput statistics)
    // Sums over the finished updates of the epoch in progress of each step scalar (means over
    // the update's micro-batches), and how many updates: what Objective::endEpoch averages.
    std::map<std::string, double> epochScalarSums;
    std::int64_t epochSteps = 0;
    std::map<std::string, double> objectiveState;  // Objective::state() at this position
};

// Generator states (uint8 CPU tensors from at::Generator::get_state()).
struct RngState {
    at::Tensor sampling;      // the objective's sampling generator
    at::Tensor torchDefault;  // torch's default CPU generator

    // Current states of `sampling` and the default CPU generator.
    static RngState capture(at::Generator& sampling);
    // Sets both generators back to these states.
    void restore(at::Generator& sampling) const;
};

struct CheckpointExtras {
    std::string experimentJson;                // written as experiment.json when not empty
    std::filesystem::path vocabularyMapFile;   // copied as vocabulary_map.json when not empty
};

class TrainingCheckpoint {
public:
    // Writes a whole checkpoint atomically to `dir` (see the header comment). `optimizer` is
    // built over masters.optimized(), `masters` over model.parameters().
    static void write(const std::filesystem::path& dir, model::Qwen2ForCausalLMImpl& model,
                      const torch::optim::AdamW& optimizer, const MasterWeights& masters,
                      const TrainingPosition& position, const RngState& rng,
                      const CheckpointExtras& extras = {});

    // The directory holding the whole checkpoint for `dir` (`dir` itself, or the `.old-*`
    // copy left by a crash between the renames); nullopt when there is none.
    static std::optional<std::filesystem::path> resolve(const std::filesystem::path& dir);

    // Loads weights into `model`, fp32 masters into `masters` (over model.parameters()),
    // moments into `optimizer` (built over masters.optimized()), the generator states into
    // `rng` and returns the position. Throws flower::Error.
    static TrainingPosition read(const std::filesystem::path& dir,
                                 model::Qwen2ForCausalLMImpl& model,
                                 torch::optim::AdamW& optimizer, MasterWeights& masters,
                                 RngState& rng);

    // Only the position (for listings and `flower resume` messages).
    static TrainingPosition readPosition(const std::filesystem::path& dir);
};

}  // namespace flower::train
