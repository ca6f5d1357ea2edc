#include "core/sasrec/sasrec_trainer.h"

#include "core/sasrec/sasrec_evaluation.h"
#include "core/util/error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

namespace flower::sasrec {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<at::Tensor> snapshot(SasRecImpl& model) {
    std::vector<at::Tensor> out;
    for (const auto& p : model.parameters()) out.push_back(p.detach().clone());
    return out;
}

void restore(SasRecImpl& model, const std::vector<at::Tensor>& weights) {
    torch::NoGradGuard noGrad;
    auto params = model.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(weights[i]);
}

}  // namespace

SasRecTrainer::SasRecTrainer(const data::Dataset& dataset, SasRecTrainingOptions options)
    : options_(std::move(options)) {
    options_.model.items = static_cast<std::int64_t>(dataset.catalog.size());
    if (std::find(options_.ks.begin(), options_.ks.end(), options_.selectionK) == options_.ks.end()) {
        options_.ks.push_back(options_.selectionK);
    }
    const auto items = options_.model.items, length = options_.model.maxLength;
    train_ = SequenceTensors::fromSplit(dataset.train, items, length);
    valid_ = SequenceTensors::fromSplit(dataset.valid, items, length);
    test_ = SequenceTensors::fromSplit(dataset.test, items, length);
    if (train_.rows() == 0 || valid_.rows() == 0) {
        throw Error({"", 0, "dataset"}, "SASRec needs training and validation rows");
    }
    if (items < 2) throw Error({"", 0, "dataset"}, "SASRec needs at least two items (one negative)");
}

const SequenceTensors& SasRecTrainer::split(std::string_view name) const {
    if (name == "train") return train_;
    if (name == "valid") return valid_;
    if (name == "test") return test_;
    throw Error({"", 0, "split"}, "\"" + std::string(name) + "\" is not one of train, valid, test");
}

SasRecTrainingResult SasRecTrainer::train(const std::function<void(const SasRecEpoch&)>& onEpoch,
                                          const std::function<bool()>& cancel) {
    const auto& o = options_;
    const auto t0 = Clock::now();
    SasRecTrainingResult result;
    result.model = SasRec(o.model);
    SasRecImpl& model = *result.model;
    model.initWeights(o.seed);
    torch::optim::Adam optimizer(model.parameters(),
                                 torch::optim::AdamOptions(o.lr).eps(o.eps).weight_decay(o.weightDecay));
    std::mt19937_64 rng(o.seed);  // shuffles and negatives
    at::Generator dropoutGenerator = at::make_generator<at::CPUGeneratorImpl>(o.seed + 1);
    std::uniform_int_distribution<std::int64_t> anyItem(0, o.model.items - 1);

    const auto n = train_.rows();
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    const auto targets = train_.targets.accessor<std::int64_t, 1>();
    double bestNdcg = -1.0;
    int sinceBest = 0;
    std::vector<at::Tensor> bestWeights;
    for (int epoch = 1; epoch <= o.maxEpochs; ++epoch) {
        const auto epochStart = Clock::now();
        model.train();
        std::shuffle(order.begin(), order.end(), rng);
        double lossSum = 0.0;
        std::int64_t batches = 0;
        for (std::int64_t b = 0; b < n; b += o.batchSize) {
            if (cancel && cancel()) {
                result.cancelled = true;
                break;
            }
            const auto e = std::min(n, b + o.batchSize);
            const auto B = e - b;
            at::Tensor index = torch::from_blob(order.data() + b, {B}, torch::kInt64).clone();  // [B]
            at::Tensor columns = torch::empty({B, 2}, torch::kInt64);  // [B, 2] positive, negative
            auto col = columns.accessor<std::int64_t, 2>();
            for (std::int64_t r = 0; r < B; ++r) {
                const std::int64_t target = targets[order[static_cast<std::size_t>(b + r)]];
                std::int64_t negative = anyItem(rng);
                while (negative == target) negative = anyItem(rng);
                col[r][0] = target;
                col[r][1] = negative;
            }
            const SequenceTensors batch = train_.select(index);
            const at::Tensor logits =
                model.scoreItems(model.state(batch.states, batch.lengths, &dropoutGenerator), columns);  // [B, 2]
            const at::Tensor labels = torch::tensor({1.0f, 0.0f}).expand({B, 2});
            const at::Tensor loss = torch::binary_cross_entropy_with_logits(logits, labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            lossSum += loss.item<double>();
            ++batches;
        }
        if (result.cancelled && batches == 0) break;
        SasRecEpoch report;
        report.epoch = epoch;
        report.loss = batches > 0 ? lossSum / static_cast<double>(batches) : 0.0;
        report.trainSeconds = secondsSince(epochStart);
        const auto evalStart = Clock::now();
        model.eval();
        report.valid = evaluateRanking(model, valid_, o.ks).metrics;
        report.evalSeconds = secondsSince(evalStart);
        result.epochsRun = epoch;
        const double ndcg = report.valid.ndcg(o.selectionK);
        if (ndcg > bestNdcg) {
            bestNdcg = ndcg;
            sinceBest = 0;
            report.best = true;
            result.bestEpoch = epoch;
            result.bestValid = report.valid;
            result.secondsToBest = secondsSince(t0);
            bestWeights = snapshot(model);
        } else {
            ++sinceBest;
        }
        result.epochs.push_back(report);
        if (onEpoch) onEpoch(report);
        if (result.cancelled) break;
        if (sinceBest > o.patience) {
            result.stoppedEarly = true;
            break;
        }
    }
    if (!bestWeights.empty()) restore(model, bestWeights);
    model.eval();
    if (test_.rows() > 0) result.test = evaluateRanking(model, test_, o.ks).metrics;
    result.seconds = secondsSince(t0);
    return result;
}

}  // namespace flower::sasrec
