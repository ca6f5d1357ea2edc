// ExperimentConfig: everything that defines one run, as a plain struct with defaults (the
// reference implementation's RQ2 settings) ↔ JSON. Experiment files (experiments/*.json) hold
// only the fields they change and may `"extends": "base.json"` (relative to the file; chains;
// objects merge key by key, other values replace). `--set key.sub=value` overrides come last.
// toJson() gives the fully resolved config that the run store keeps with every run.
//
// Paths: a tokenizer, model or dataset value containing '/' is a path; relative paths are
// resolved against the experiment file that set them (against the working directory for
// --set). A dataset without '/' is either a `synthetic:` spec or a dataset name looked up by
// the data layer under its data root (Movies_and_TV, CDs_and_Vinyl, Video_Games, ...).
// rq1_target is relative to the dataset folder; with prompt_template "history_free" an empty
// rq1_target means "the dataset's own training-history title counts" (the only choice for a
// synthetic dataset, which has no folder: a relative rq1_target with one is an error).
//
// λ: the paper writes L = L_SFT + λ·L_SubTB; the reference weighs θ·L_SFT + (1−θ)·L_SubTB. A
// file may give "lambda" or "theta" (θ = 1/(1+λ)), not both; the resolved config has lambda.
// λ = "inf" (θ = 0) trains SubTB alone, as the reference's RQ1 distribution fitting does.
//
// Failure: flower::Error naming the file that set the value and the field
// ("experiments/rq2.json, field method: "flowr" is not one of sft, flower, sft_temperature,
// ifairlrs"); unknown keys are errors with the closest known key suggested.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flower::run {

enum class Method { Sft, Flower, SftTemperature, IFairLrs };
enum class RewardVariant { Flow, FlowDivPref, FlowPlusLogPref };  // R, R ÷ pref, log R + log pref
enum class LrSchedule { Constant, Linear, Cosine };  // after warm-up; linear = the reference's
// How recommendation lists are decoded (core/decode): trie-constrained beam search as BIGRec
// (beam), with a softmax temperature (temp, the paper's Temp row) or D3's length penalty 0 and
// optional SASRec guidance (d3); free = RQ1's sampling of history_free runs. The old name
// "constrained" is read as beam.
enum class Decoding { Beam, Temp, D3, Free };
enum class RolloutConstraint { Trie, Free };     // Flower's training rollouts: tree or vocabulary
enum class PfNormalisation { Vocabulary, Tree };  // what Flower's log P_F is a softmax over
enum class DeviceChoice { Cpu, Cuda, Auto };
enum class DType { Float32, BFloat16 };

std::string_view toString(Method v);
std::string_view toString(RewardVariant v);
std::string_view toString(LrSchedule v);
std::string_view toString(Decoding v);
std::string_view toString(RolloutConstraint v);
std::string_view toString(PfNormalisation v);
std::string_view toString(DeviceChoice v);
std::string_view toString(DType v);

struct OptimizerConfig {
    double lr = 3e-4;                  // peak learning rate of AdamW
    double beta1 = 0.9;                // AdamW β1
    double beta2 = 0.999;              // AdamW β2
    double weightDecay = 0.0;          // decoupled weight decay
    std::int64_t warmupSteps = 20;     // linear warm-up from 0 to lr
    LrSchedule schedule = LrSchedule::Linear;  // shape after warm-up
    double gradClip = 1.0;             // max global gradient norm; 0 = no clipping
};

struct EarlyStoppingConfig {
    int patience = 2;                  // evaluations without improvement before stopping; 0 = off
    std::string metric = "valid/loss";  // "<split>/<metric>[@K]" that is monitored
    bool higherIsBetter = false;       // JSON "mode": "min" | "max"
};

// Defaults that depend on the decoding (applied when the file leaves the field out): α is 0
// for d3 (the reference's --length_penalty 0.0) and 1 otherwise (HF's default); T is 1.5 for
// temp (the paper's Temp row) and 1 otherwise.
double defaultLengthPenalty(Decoding d);
double defaultTemperature(Decoding d);

struct EvaluationConfig {
    std::int64_t everySteps = 0;       // evaluate every N optimiser steps; 0 = each epoch end
    int beams = 10;                    // beam width of the recommendation list
    std::vector<int> k = {1, 3, 5, 10, 20};  // cut-offs of NDCG@K, HR@K
    // absent: temp when the method is sft_temperature, else beam
    Decoding decoding = Decoding::Beam;
    double lengthPenalty = 1.0;        // α of Σ log p / L^α; absent: defaultLengthPenalty
    double temperature = 1.0;          // softmax temperature when decoding; absent: defaultTemperature
    double guidance = 1.0;             // D3's γ in [0, 1]; 1 = no SASRec guidance (the paper's D3
                                       // row); < 1 needs decoding d3 and the "preference" model
    std::int64_t rows = 0;             // validation rows per evaluation (a fixed seeded subset); 0 = all
    bool test = true;                  // at the end, the test split with the best checkpoint;
                                       // absent: true for bigrec prompts, false for history_free
    std::int64_t samples = 0;          // samples drawn for distribution fitting; 0 = tuning-set size
};

// How Flower gets the trajectories SubTB trains on (JSON "rollout").
struct RolloutConfig {
    RolloutConstraint constraint = RolloutConstraint::Trie;  // "trie" | "free" (the reference's)
    double temperature = 1.0;          // sampling temperature of the on-policy rollouts
    PfNormalisation logPf = PfNormalisation::Vocabulary;  // JSON "log_pf": "vocabulary" (the
                                       // reference) | "tree" (children + ⊤; needs "trie")
    double offlineProbability = 0.0;   // chance per micro-batch of buffer titles (drawn ∝ token
                                       // length, the reference's RQ1 replay buffer) instead of
                                       // rollouts; 0 = always on-policy
    // JSON "offline_decay": after each epoch but the first whose mean buffer SubTB loss is below
    // `threshold`, while the chance is above `floor`, it drops by `step` (0 = constant).
    double decayThreshold = 0.05;
    double decayStep = 0.0;
    double decayFloor = 0.15;
};

// Which SASRec scores the preference reward variants (flow_div_pref, flow_plus_log_pref) read
// (JSON "preference"): a sasrec run of the store ({"run": id}) or a scores file
// ({"scores": path}, relative to the experiment file); neither: a SASRec is trained first.
struct PreferenceConfig {
    std::int64_t run = 0;              // id of a `flower sasrec train` run; 0 = none
    std::string scores;                // a sasrec_scores.safetensors file; "" = none
};

struct ExperimentConfig {
    std::string name;                  // run name; default: the experiment file's stem
    std::string description;           // free text shown in lists
    std::string tableRow;              // JSON "table_row": the row of `export --table paper`;
                                       // "" = derived from method, decoding, reward variant
    std::string dataset = "synthetic:items=400,users=2000,seed=1,zipf=1.1";  // folder, name or spec
    std::string tokenizer;             // tokenizer.json; "" = the default Qwen2.5 tokenizer
    std::string model = "tiny";        // preset (nano, micro, tiny), Qwen2.5-0.5B/1.5B/3B, or HF directory
    std::string promptTemplate = "bigrec";  // bigrec (history → next title) | history_free (RQ1)
    Method method = Method::Flower;    // training objective
    RewardVariant rewardVariant = RewardVariant::Flow;  // JSON reward.variant
    PreferenceConfig preference;       // JSON "preference": SASRec scores of the preference variants
    int granularity = 1;               // JSON reward.granularity: tokens per flow step (n)
    double rewardSmoothing = 0.0;      // JSON reward.smoothing: α added to every item's count
    double lambda = 0.001;             // weight of L_SubTB in L = L_SFT + λ·L_SubTB; +inf = SubTB only
    double subtbLambda = 1.0;          // geometric weight of subtrajectory lengths in SubTB
    RolloutConfig rollout;             // JSON "rollout": Flower's trajectories
    OptimizerConfig optimizer;         // JSON "optimizer"
    int batchSize = 256;               // examples per optimiser step
    int microBatchSize = 8;            // examples per forward pass (accumulation = batch / micro)
    int epochs = 7;                    // passes over the training split
    std::int64_t maxSteps = 0;         // stop after this many optimiser steps; 0 = no limit
    EarlyStoppingConfig earlyStopping; // JSON "early_stopping"
    std::int64_t checkpointEvery = 0;  // save every N steps; 0 = at each epoch end
    EvaluationConfig evaluation;       // JSON "evaluation"
    std::string rq1Target;             // RQ1 {title: count} JSON; "" = the history counts (history_free)
    std::int64_t seed = 0;             // seeds data order, sampling and initialisation
    DeviceChoice device = DeviceChoice::Auto;  // cpu | cuda | auto (CUDA when available)
    DType dtype = DType::Float32;      // parameter/activation type: float32 | bfloat16
    // Recompute each decoder layer in the backward instead of keeping its activations: for
    // Qwen2.5-1.5B/3B on a GPU (×0.33 activation memory, ×1.26 step time at 1.5B, tests/device);
    // off for the CPU presets, where it only costs time.
    bool gradientCheckpointing = false;

    // θ of the reference implementation, 1/(1+λ).
    double theta() const { return 1.0 / (1.0 + lambda); }

    // The fully resolved config: every field, "lambda" (never "theta"), no "extends".
    nlohmann::json toJson() const;
    // Builds and validates a config from one JSON object without "extends". `source` names it
    // in errors (a file name, "--set", "<json>").
    static ExperimentConfig fromJson(const nlohmann::json& j, const std::string& source = "<json>");

    // Reads an experiment file, follows "extends", applies `overrides` ("key.sub=value"; the
    // value is JSON when it parses as such and the field is not a string), resolves paths and
    // validates. Throws flower::Error.
    static ExperimentConfig load(const std::filesystem::path& file,
                                 const std::vector<std::string>& overrides = {});
    // The merged JSON of load() before validation (what --resolve prints after validation).
    static nlohmann::json resolveJson(const std::filesystem::path& file,
                                      const std::vector<std::string>& overrides = {});
};

// The known key closest to `key` by edit distance, or "" when none is close.
std::string closestKey(std::string_view key, const std::vector<std::string>& known);

}  // namespace flower::run
