#include "core/train/trainer.h"

#include "core/model/checkpoint_reader.h"
#include "core/model/qwen2_checkpoint.h"
#include "core/train/lr_schedule.h"
#include "core/train/master_weights.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>

namespace flower::train {

namespace fs = std::filesystem;

namespace {

// splitmix64: decorrelates (seed, epoch) pairs so neighbouring seeds give unrelated orders.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Uniform in [0, bound) without modulo bias; defined here so the order does not depend on the
// standard library's distribution implementation.
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        const std::uint64_t r = rng();
        if (r >= threshold) {
            return r % bound;
        }
    }
}

void addScaled(std::vector<std::pair<std::string, double>>& into,
               const std::vector<std::pair<std::string, double>>& terms, double share) {
    for (const auto& [key, value] : terms) {
        auto it = std::find_if(into.begin(), into.end(), [&](const auto& e) { return e.first == key; });
        if (it == into.end()) {
            into.emplace_back(key, share * value);
        } else {
            it->second += share * value;
        }
    }
}

using Clock = std::chrono::steady_clock;

// Runs one evaluation pass (`pass(model, generator)`) in eval mode without gradients, with its
// own generator seeded from (seed, step, salt): evaluating (or not) leaves the training
// randomness untouched, and the valid and test passes draw apart.
template <class Pass>
EvaluationResult evaluateInEvalMode(model::Qwen2ForCausalLM& model, std::uint64_t seed, std::int64_t step,
                                    std::uint64_t salt, Pass&& pass) {
    at::Generator gen =
        at::make_generator<at::CPUGeneratorImpl>(mix(seed ^ mix(static_cast<std::uint64_t>(step) + salt)));
    torch::NoGradGuard noGrad;
    model->eval();
    EvaluationResult result = pass(*model, gen);
    model->train();
    return result;
}

}  // namespace

TrainerOptions TrainerOptions::fromConfig(const run::ExperimentConfig& config,
                                          const fs::path& checkpointRoot) {
    TrainerOptions o;
    o.optimizer = config.optimizer;
    o.batchSize = config.batchSize;
    o.microBatchSize = config.microBatchSize;
    o.epochs = config.epochs;
    o.maxSteps = config.maxSteps;
    o.earlyStopping = config.earlyStopping;
    o.evaluateEvery = config.evaluation.everySteps;
    o.checkpointEvery = config.checkpointEvery;
    o.checkpointRoot = checkpointRoot;
    o.seed = static_cast<std::uint64_t>(config.seed);
    o.extras.experimentJson = config.toJson().dump(2);
    return o;
}

double clipGradNorm(const std::vector<at::Tensor>& parameters, double maxNorm) {
    std::vector<at::Tensor> norms;
    std::vector<at::Tensor> grads;
    for (const auto& p : parameters) {
        if (p.grad().defined()) {
            grads.push_back(p.grad());
            norms.push_back(p.grad().detach().norm(2));
        }
    }
    if (norms.empty()) {
        return 0.0;
    }
    const at::Tensor total = norms.size() == 1 ? norms[0] : torch::stack(norms).norm(2);
    const double norm = total.item<double>();
    if (maxNorm > 0.0 && std::isfinite(norm)) {
        // The same coefficient as torch.nn.utils.clip_grad_norm_ (with its 1e-6).
        const at::Tensor coef = torch::clamp(maxNorm / (total + 1e-6), c10::nullopt, 1.0);
        torch::NoGradGuard noGrad;
        for (auto& g : grads) {
            g.mul_(coef);
        }
    }
    return norm;
}

struct Trainer::Impl {
    model::Qwen2ForCausalLM model{nullptr};
    std::shared_ptr<Objective> objective;
    std::shared_ptr<const TrainingData> data;
    std::shared_ptr<Evaluator> evaluator;
    TrainerOptions options;
    // fp32 masters of bf16/fp16 parameters; the optimiser updates masters->optimized().
    std::unique_ptr<MasterWeights> masters;
    std::unique_ptr<torch::optim::AdamW> optimizer;
    at::Generator generator;
    TrainingPosition position;
    std::int64_t trainSize = 0;
    std::int64_t stepsPerEpoch = 0;
    std::int64_t totalSteps = 0;
    std::unique_ptr<LrSchedule> schedule;
    bool restored = false;         // restore() set the generators; train() must not reseed
    std::int64_t orderEpoch = -1;  // epoch whose order is cached
    std::vector<std::int64_t> order;
    // Per micro-batch record of the update in progress, for the non-finite diagnostic.
    nlohmann::json microRecords = nlohmann::json::array();
    double heldSeconds = 0;  // time spent inside shouldStop (paused) since train() began

    std::optional<LossTerms> accumulate(std::span<const std::int64_t> rows,
                                        const std::function<bool()>& shouldStop);
    [[noreturn]] void nonFinite(std::span<const std::int64_t> rows, const std::string& what,
                                double gradNorm);
    void writeCheckpoint(const fs::path& dir, const RngState& rng, const TrainerHooks& hooks,
                         bool best, std::optional<double> metric);
    // Runs the evaluator; returns true when early stopping says stop.
    bool evaluate(const TrainerHooks& hooks, double epoch);
    void evaluateTest(const TrainerHooks& hooks);
    bool better(double value) const {
        if (!position.bestMetric) return true;
        return options.earlyStopping.higherIsBetter ? value > *position.bestMetric
                                                    : value < *position.bestMetric;
    }
};

Trainer::Trainer(model::Qwen2ForCausalLM model, std::shared_ptr<Objective> objective,
                 std::shared_ptr<const TrainingData> data, std::shared_ptr<Evaluator> evaluator,
                 TrainerOptions options)
    : d_(std::make_unique<Impl>()) {
    if (!model || !objective || !data) {
        throw Error("the trainer needs a model, an objective and training data");
    }
    if (options.batchSize < 1 || options.microBatchSize < 1) {
        throw Error({"", 0, "batch_size"}, "expected batch_size >= 1 and micro_batch_size >= 1, got " +
                                               std::to_string(options.batchSize) + " and " +
                                               std::to_string(options.microBatchSize));
    }
    if (options.epochs < 1 && options.maxSteps < 1) {
        throw Error({"", 0, "epochs"}, "expected epochs >= 1 or max_steps >= 1");
    }
    d_->model = std::move(model);
    d_->objective = std::move(objective);
    d_->data = std::move(data);
    d_->evaluator = std::move(evaluator);
    d_->options = std::move(options);
    d_->trainSize = d_->data->size(Split::Train);
    if (d_->trainSize < 1) {
        throw Error({"", 0, "dataset"}, "the training split is empty");
    }
    const std::int64_t batch = d_->options.batchSize;
    d_->stepsPerEpoch = (d_->trainSize + batch - 1) / batch;
    d_->totalSteps = d_->stepsPerEpoch * std::max(d_->options.epochs, 0);
    if (d_->options.maxSteps > 0) {
        d_->totalSteps = d_->totalSteps > 0 ? std::min(d_->totalSteps, d_->options.maxSteps)
                                            : d_->options.maxSteps;
    }
    const auto& opt = d_->options.optimizer;
    d_->schedule = std::make_unique<LrSchedule>(opt.lr, opt.warmupSteps, opt.schedule, d_->totalSteps);
    d_->masters = std::make_unique<MasterWeights>(d_->model->parameters());
    d_->optimizer = std::make_unique<torch::optim::AdamW>(
        d_->masters->optimized(), torch::optim::AdamWOptions(opt.lr)
                            .betas({opt.beta1, opt.beta2})
                            .weight_decay(opt.weightDecay));
    d_->generator = at::make_generator<at::CPUGeneratorImpl>(d_->options.seed);
}

Trainer::~Trainer() = default;

std::vector<std::int64_t> Trainer::epochOrder(std::int64_t epoch) const {
    std::vector<std::int64_t> order(static_cast<std::size_t>(d_->trainSize));
    for (std::size_t i = 0; i < order.size(); ++i) {
        order[i] = static_cast<std::int64_t>(i);
    }
    std::mt19937_64 rng(mix(d_->options.seed ^ mix(static_cast<std::uint64_t>(epoch) + 0x51ed)));
    for (std::size_t i = order.size(); i > 1; --i) {  // Fisher–Yates
        std::swap(order[i - 1], order[uniformBelow(rng, i)]);
    }
    return order;
}

const TrainingPosition& Trainer::position() const { return d_->position; }
std::int64_t Trainer::stepsPerEpoch() const { return d_->stepsPerEpoch; }
std::int64_t Trainer::totalSteps() const { return d_->totalSteps; }
double Trainer::learningRate(std::int64_t step) const { return d_->schedule->at(step); }
const TrainerOptions& Trainer::options() const { return d_->options; }
model::Qwen2ForCausalLM Trainer::model() const { return d_->model; }
at::Generator& Trainer::samplingGenerator() { return d_->generator; }
torch::optim::AdamW& Trainer::optimizer() { return *d_->optimizer; }
const MasterWeights& Trainer::masterWeights() const { return *d_->masters; }
fs::path Trainer::lastCheckpointDir() const {
    return d_->options.checkpointRoot.empty() ? fs::path() : d_->options.checkpointRoot / "last";
}
fs::path Trainer::bestCheckpointDir() const {
    return d_->options.checkpointRoot.empty() ? fs::path() : d_->options.checkpointRoot / "best";
}

void Trainer::restore(const fs::path& checkpointDir) {
    RngState rng;
    d_->position =
        TrainingCheckpoint::read(checkpointDir, *d_->model, *d_->optimizer, *d_->masters, rng);
    rng.restore(d_->generator);
    d_->objective->restoreState(d_->position.objectiveState);
    d_->restored = true;
    if (d_->position.step > d_->totalSteps) {
        throw Error({checkpointDir.string(), 0, "step"},
                    "the checkpoint is at step " + std::to_string(d_->position.step) +
                        ", past this run's " + std::to_string(d_->totalSteps) + " steps");
    }
}

TrainResult Trainer::resume(const fs::path& checkpointDir, const TrainerHooks& hooks) {
    restore(checkpointDir);
    return train(hooks);
}

std::optional<LossTerms> Trainer::accumulateGradients(std::span<const std::int64_t> rows,
                                                      const std::function<bool()>& shouldStop) {
    return d_->accumulate(rows, shouldStop);
}

std::optional<LossTerms> Trainer::Impl::accumulate(std::span<const std::int64_t> rows,
                                                   const std::function<bool()>& shouldStop) {
    microRecords = nlohmann::json::array();
    LossTerms total;
    double totalLoss = 0.0;
    const auto n = static_cast<std::int64_t>(rows.size());
    const c10::Device device = model->device();
    const std::int64_t micro = options.microBatchSize;
    for (std::int64_t offset = 0; offset < n; offset += micro) {
        if (shouldStop) {
            // Time spent here is a pause, not training: keep it out of step time and tokens/s.
            const auto asked = Clock::now();
            const bool stop = shouldStop();
            heldSeconds += std::chrono::duration<double>(Clock::now() - asked).count();
            if (stop) {
                return std::nullopt;
            }
        }
        const auto sub = rows.subspan(static_cast<std::size_t>(offset),
                                      static_cast<std::size_t>(std::min(micro, n - offset)));
        const TrainBatch batch = data->batch(Split::Train, sub).to(device);
        LossTerms terms = objective->compute(*model, batch, generator);
        const double share = static_cast<double>(sub.size()) / static_cast<double>(n);
        const double value = terms.loss.item<double>();
        microRecords.push_back({{"rows", std::vector<std::int64_t>(sub.begin(), sub.end())},
                                {"loss", std::isfinite(value) ? nlohmann::json(value)
                                                              : nlohmann::json(std::to_string(value))},
                                {"scalars", nlohmann::json::object()}});
        for (const auto& [key, v] : terms.scalars) {
            microRecords.back()["scalars"][key] =
                std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(std::to_string(v));
        }
        if (!std::isfinite(value)) {
            nonFinite(rows, "loss/total = " + std::to_string(value) + " in micro-batch " +
                                std::to_string(offset / micro + 1), 0.0);
        }
        if (terms.loss.requires_grad()) {
            (terms.loss * share).backward();
        }
        const bool hasTotal = std::any_of(terms.scalars.begin(), terms.scalars.end(),
                                          [](const auto& e) { return e.first == "loss/total"; });
        if (!hasTotal) {
            terms.scalars.insert(terms.scalars.begin(), {"loss/total", value});
        }
        addScaled(total.scalars, terms.scalars, share);
        totalLoss += share * value;
        total.tokens += terms.tokens;
    }
    total.loss = torch::tensor(totalLoss, torch::kDouble);
    return total;
}

void Trainer::Impl::nonFinite(std::span<const std::int64_t> rows, const std::string& what,
                              double gradNorm) {
    const std::int64_t step = position.step + 1;
    std::string message = "non-finite value at step " + std::to_string(step) + ": " + what;
    if (!options.checkpointRoot.empty()) {
        nlohmann::json j;
        j["step"] = step;
        j["epoch"] = position.epoch;
        j["index_in_epoch"] = position.indexInEpoch;
        j["rows"] = std::vector<std::int64_t>(rows.begin(), rows.end());
        j["micro_batches"] = microRecords;
        j["grad_norm"] = std::isfinite(gradNorm) ? nlohmann::json(gradNorm)
                                                 : nlohmann::json(std::to_string(gradNorm));
        j["error"] = message;
        const fs::path file =
            options.checkpointRoot / ("diagnostic-step-" + std::to_string(step) + ".json");
        std::error_code ec;
        fs::create_directories(options.checkpointRoot, ec);
        std::ofstream out(file);
        out << j.dump(2) << '\n';
        message += out ? " (diagnostic: " + file.string() + ")"
                       : " (could not write the diagnostic " + file.string() + ")";
    }
    throw NonFiniteLossError(step, message);
}

void Trainer::Impl::writeCheckpoint(const fs::path& dir, const RngState& rng,
                                    const TrainerHooks& hooks, bool best,
                                    std::optional<double> metric) {
    if (hooks.beforeCheckpoint) {
        hooks.beforeCheckpoint();
    }
    TrainingCheckpoint::write(dir, *model, *optimizer, *masters, position, rng, options.extras);
    if (hooks.onCheckpoint) {
        hooks.onCheckpoint({position.step, dir, best, metric});
    }
}

bool Trainer::Impl::evaluate(const TrainerHooks& hooks, double epoch) {
    if (!evaluator || position.lastEvaluatedStep == position.step) {
        return false;
    }
    position.lastEvaluatedStep = position.step;
    evaluator->setProgress(hooks.onEvaluationProgress);
    EvaluationEvent event;
    event.step = position.step;
    event.epoch = epoch;
    event.weightsStep = position.step;
    event.result = evaluateInEvalMode(model, options.seed, position.step, 0xe7a1, [&](auto& m, auto& gen) {
        return evaluator->evaluate(m, position.step, gen);
    });
    const std::string& key = options.earlyStopping.metric;
    if (!key.empty()) {
        event.monitored = event.result.find(key);
    }
    // Early stopping cannot work without its metric; best-checkpoint selection just skips.
    if (!event.monitored && options.earlyStopping.patience > 0) {
        std::string reported;
        for (const auto& m : event.result.metrics) {
            reported += (reported.empty() ? "" : ", ") + m.key();
        }
        throw Error({"", 0, "early_stopping.metric"},
                    "the evaluation reports no \"" + key + "\" (it reports: " +
                        (reported.empty() ? "nothing" : reported) + ")");
    }
    if (event.monitored) {
        if (std::isfinite(*event.monitored) && better(*event.monitored)) {
            position.bestMetric = *event.monitored;
            position.bestStep = position.step;
            position.evaluationsWithoutImprovement = 0;
            event.improved = true;
        } else {
            ++position.evaluationsWithoutImprovement;
        }
    }
    if (event.improved && !options.checkpointRoot.empty()) {
        writeCheckpoint(options.checkpointRoot / "best", RngState::capture(generator), hooks, true,
                        event.monitored);
    }
    if (hooks.onEvaluation) {
        hooks.onEvaluation(event);
    }
    return options.earlyStopping.patience > 0 &&
           position.evaluationsWithoutImprovement >= options.earlyStopping.patience;
}

void Trainer::Impl::evaluateTest(const TrainerHooks& hooks) {
    if (!evaluator || !evaluator->evaluatesTest()) return;
    evaluator->setProgress(hooks.onEvaluationProgress);
    EvaluationEvent event;
    event.step = position.step;
    event.epoch = static_cast<double>(position.epoch) +
                  static_cast<double>(position.indexInEpoch) / static_cast<double>(trainSize);
    event.split = "test";
    event.weightsStep = position.step;
    if (!options.checkpointRoot.empty() && position.bestStep >= 0) {
        if (const auto best = TrainingCheckpoint::resolve(options.checkpointRoot / "best")) {
            torch::NoGradGuard noGrad;
            model::loadQwen2Weights(*model, model::CheckpointReader(*best));
            event.weightsStep = position.bestStep;
        }
    }
    event.result = evaluateInEvalMode(model, options.seed, position.step, 0x7e57, [&](auto& m, auto& gen) {
        return evaluator->evaluateTest(m, position.step, gen);
    });
    if (hooks.onEvaluation) hooks.onEvaluation(event);
}

TrainResult Trainer::train(const TrainerHooks& hooks) {
    Impl& d = *d_;
    d.model->train();
    if (!d.restored && d.position.step == 0) {
        // torch's default generator is process-wide: seed it when the run starts, not when the
        // trainer is built, so that two trainers built side by side train alike.
        torch::manual_seed(d.options.seed);
        // The weights may have been set after the trainer was built (they are exact then).
        d.masters->mastersFromParameters();
    }
    d.restored = false;
    TrainResult result;
    const fs::path last = lastCheckpointDir();
    const auto sessionStart = Clock::now();
    d.heldSeconds = 0;
    std::int64_t sessionSteps = 0;

    auto finish = [&](StopReason reason) {
        result.reason = reason;
        result.steps = d.position.step;
        result.bestMetric = d.position.bestMetric;
        result.bestStep = d.position.bestStep;
        result.lastCheckpoint = last;
        return result;
    };

    while (d.position.step < d.totalSteps) {
        if (d.orderEpoch != d.position.epoch) {
            d.order = epochOrder(d.position.epoch);
            d.orderEpoch = d.position.epoch;
        }
        const std::int64_t begin = d.position.indexInEpoch;
        const std::int64_t end = std::min(begin + d.options.batchSize, d.trainSize);
        const std::span<const std::int64_t> rows(d.order.data() + begin,
                                                 static_cast<std::size_t>(end - begin));
        // The state an interrupted update must restart from.
        const RngState stepStartRng = RngState::capture(d.generator);
        const auto stepStart = Clock::now();
        const double heldBefore = d.heldSeconds;

        d.masters->zeroGrad();
        const std::optional<LossTerms> terms = d.accumulate(rows, hooks.shouldStop);
        if (!terms) {
            d.masters->zeroGrad();
            if (!last.empty()) {
                d.writeCheckpoint(last, stepStartRng, hooks, false, std::nullopt);
            }
            return finish(StopReason::Cancelled);
        }
        // Clipping and the finiteness check see the fp32 gradients the optimiser will use.
        d.masters->gradientsToMasters();
        const double gradNorm = clipGradNorm(d.masters->optimized(), d.options.optimizer.gradClip);
        if (!std::isfinite(gradNorm)) {
            d.nonFinite(rows, "gradient norm = " + std::to_string(gradNorm), gradNorm);
        }
        const double lr = d.schedule->at(d.position.step);
        for (auto& group : d.optimizer->param_groups()) {
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
        }
        d.optimizer->step();
        d.masters->mastersToParameters();

        d.position.step += 1;
        d.position.indexInEpoch = end;
        d.position.tokens += terms->tokens;
        ++sessionSteps;

        StepEvent event;
        event.step = d.position.step;
        event.totalSteps = d.totalSteps;
        event.epoch = static_cast<double>(d.position.epoch) +
                      static_cast<double>(end) / static_cast<double>(d.trainSize);
        event.losses = terms->scalars;
        event.lr = lr;
        event.gradNorm = gradNorm;
        event.tokens = terms->tokens;
        const auto now = Clock::now();
        event.stepSeconds = std::max(
            0.0, std::chrono::duration<double>(now - stepStart).count() - (d.heldSeconds - heldBefore));
        event.tokensPerSecond =
            event.stepSeconds > 0 ? static_cast<double>(terms->tokens) / event.stepSeconds : 0.0;
        const double sessionSeconds =
            std::chrono::duration<double>(now - sessionStart).count() - d.heldSeconds;
        event.etaSeconds = sessionSeconds / static_cast<double>(sessionSteps) *
                           static_cast<double>(d.totalSteps - d.position.step);
        if (hooks.onStep) {
            hooks.onStep(event);
        }

        for (const auto& [key, v] : terms->scalars) d.position.epochScalarSums[key] += v;
        d.position.epochSteps += 1;
        const bool epochEnd = end >= d.trainSize;
        if (epochEnd) {
            std::map<std::string, double> means;
            for (const auto& [key, sum] : d.position.epochScalarSums) {
                means[key] = sum / static_cast<double>(d.position.epochSteps);
            }
            d.objective->endEpoch(d.position.epoch, means);
            d.position.objectiveState = d.objective->state();
            d.position.epochScalarSums.clear();
            d.position.epochSteps = 0;
            d.position.epoch += 1;
            d.position.indexInEpoch = 0;
        }
        const bool lastStep = d.position.step >= d.totalSteps;
        const std::int64_t every = d.options.evaluateEvery;
        bool stop = false;
        if (epochEnd || lastStep || (every > 0 && d.position.step % every == 0)) {
            stop = d.evaluate(hooks, event.epoch);
        }
        const std::int64_t ckEvery = d.options.checkpointEvery;
        if (!last.empty() &&
            (epochEnd || lastStep || stop || (ckEvery > 0 && d.position.step % ckEvery == 0))) {
            d.writeCheckpoint(last, RngState::capture(d.generator), hooks, false, std::nullopt);
        }
        if (stop) {
            d.evaluateTest(hooks);
            return finish(StopReason::EarlyStopped);
        }
    }
    d.evaluateTest(hooks);
    return finish(StopReason::Completed);
}

}  // namespace flower::train
