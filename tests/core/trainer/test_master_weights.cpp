// MasterWeights: fp32 masters for bf16/fp16 parameters only; an update below half a bf16 ulp
// accumulates in the master (plain bf16 AdamW loses it, by brute force); a bf16 Trainer keeps
// fp32 masters and moments with the model equal to the rounded masters, and its masters follow
// an fp32 AdamW fed the same fp32-converted gradients exactly; a fresh run's masters start
// from weights set after construction — on the nano Qwen2, CPU. On a GPU machine also: masters
// on CUDA and a CUDA resume (skipped without CUDA; tests/device/run_checks.sh runs it).
#include "core/train/master_weights.h"
#include "core/train/optimizer_state_key.h"
#include "core/train/trainer.h"
#include "tests/core/trainer/toy_training.h"
#include "tests/support/flower_test.h"
#include "tests/support/temp_dir.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

using namespace flower;
using namespace flower::train;

namespace {

TrainerOptions bf16Options(int steps) {
    TrainerOptions o;
    o.optimizer.lr = 1e-2;
    o.optimizer.warmupSteps = 1;
    o.optimizer.schedule = run::LrSchedule::Linear;
    o.optimizer.weightDecay = 0.01;
    o.optimizer.gradClip = 1.0;
    o.batchSize = 4;
    o.microBatchSize = 2;
    o.epochs = 1;
    o.maxSteps = steps;
    o.earlyStopping.patience = 0;
    o.seed = 3;
    return o;
}

std::unique_ptr<Trainer> bf16Trainer(const TrainerOptions& options,
                                     std::shared_ptr<test::ToyObjective> objective =
                                         std::make_shared<test::ToyObjective>()) {
    return std::make_unique<Trainer>(test::toyModel(1, torch::kBFloat16), std::move(objective),
                                     std::make_shared<test::ToyData>(12, 2), nullptr, options);
}

const torch::optim::AdamWParamState* stateOf(const torch::optim::AdamW& optimizer,
                                              const at::Tensor& p) {
    const auto& state = optimizer.state();
    const auto found = state.find(optimizerStateKey(p));
    return found == state.end()
               ? nullptr
               : static_cast<const torch::optim::AdamWParamState*>(found->second.get());
}

}  // namespace

class TestMasterWeights : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mastersOnlyForLowPrecision();
    void tinyUpdatesAccumulateInTheMaster();
    void trainerKeepsFp32MastersAndMoments();
    void mastersFollowFp32AdamW();
    void freshRunTakesWeightsSetAfterConstruction();
    void cudaMastersAndResume();
};

void TestMasterWeights::mastersOnlyForLowPrecision() {
    const at::Tensor bf = torch::full({2}, 1.5, torch::kBFloat16).set_requires_grad(true);
    const at::Tensor half = torch::full({3}, -2.0, torch::kHalf).set_requires_grad(true);
    const at::Tensor f32 = torch::ones({2}, torch::requires_grad());
    const at::Tensor f64 = torch::ones({2}, torch::dtype(torch::kDouble).requires_grad(true));
    MasterWeights mw({bf, f32, half, f64});
    QCOMPARE(mw.masterCount(), std::size_t{2});
    QVERIFY(mw.hasMasters());
    QVERIFY(mw.hasMaster(0) && !mw.hasMaster(1) && mw.hasMaster(2) && !mw.hasMaster(3));
    QVERIFY(mw.optimized()[1].is_same(f32) && mw.optimized()[3].is_same(f64));
    QVERIFY(mw.optimizedFor(half).is_same(mw.optimized()[2]));
    QVERIFY(!mw.optimizedFor(torch::ones({2})).defined());
    for (const std::size_t i : {std::size_t{0}, std::size_t{2}}) {
        const at::Tensor& m = mw.optimized()[i];
        QVERIFY(m.scalar_type() == torch::kFloat);
        QVERIFY(m.is_leaf() && m.requires_grad());
        QVERIFY(m.data_ptr() != mw.parameters()[i].data_ptr());
        QVERIFY(torch::equal(m, mw.parameters()[i].to(torch::kFloat)));
    }
    // Gradients: converted to fp32 into the masters; zeroGrad clears both sides.
    bf.mutable_grad() = torch::tensor({0.25, -3.0}, torch::kBFloat16);
    half.mutable_grad() = torch::tensor({1.0, 2.0, 0.5}, torch::kHalf);
    f32.mutable_grad() = torch::tensor({7.0f, 8.0f});
    mw.gradientsToMasters();
    QVERIFY(mw.optimized()[0].grad().scalar_type() == torch::kFloat);
    QVERIFY(torch::equal(mw.optimized()[0].grad(), torch::tensor({0.25f, -3.0f})));
    QVERIFY(torch::equal(mw.optimized()[2].grad(), torch::tensor({1.0f, 2.0f, 0.5f})));
    QVERIFY(bf.grad().scalar_type() == torch::kBFloat16);  // the model's grads stay as they are
    QVERIFY(!f64.grad().defined() && !mw.optimized()[3].grad().defined());
    mw.zeroGrad();
    for (const auto& t : {bf, half, f32, mw.optimized()[0], mw.optimized()[2]}) {
        QVERIFY(t.grad().defined() && t.grad().abs().sum().item<double>() == 0.0);
    }
    // Copy-back rounds to nearest: 1 + 2^-8 + 2^-12 is nearer 1 + 2^-7 than 1 in bf16.
    {
        torch::NoGradGuard noGrad;
        mw.optimized()[0].fill_(1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -12));
    }
    mw.mastersToParameters();
    QCOMPARE(bf[0].item<double>(), 1.0 + std::ldexp(1.0, -7));
    QCOMPARE(half[0].item<double>(), -2.0);  // its master was left as it was
}

void TestMasterWeights::tinyUpdatesAccumulateInTheMaster() {
    // A constant gradient of -1: Adam's bias-corrected step is lr · 1/(1 + eps) ≈ 1e-3 per step,
    // below half the bf16 spacing above 1 (2^-8 ≈ 0.0039).
    constexpr double lr = 1e-3;
    const auto opts = torch::optim::AdamWOptions(lr).weight_decay(0.0);
    const at::Tensor p = torch::ones({3}, torch::kBFloat16).set_requires_grad(true);
    MasterWeights mw({p});
    torch::optim::AdamW mixed(mw.optimized(), opts);
    // The same update on the bf16 parameter itself (what the trainer did before masters).
    const at::Tensor q = torch::ones({3}, torch::kBFloat16).set_requires_grad(true);
    torch::optim::AdamW plain({q}, opts);
    const at::Tensor grad = torch::full({3}, -1.0, torch::kBFloat16);
    double previous = 1.0;
    for (int t = 1; t <= 10; ++t) {
        mw.zeroGrad();
        plain.zero_grad();
        p.mutable_grad() = grad.clone();
        q.mutable_grad() = grad.clone();
        mw.gradientsToMasters();
        mixed.step();
        mw.mastersToParameters();
        plain.step();

        const double master = mw.optimized()[0][0].item<double>();
        QVERIFY2(master > previous, std::to_string(t).c_str());  // moves every step
        QVERIFY2(std::abs(master - (1.0 + t * lr)) < 1e-5, std::to_string(master).c_str());
        previous = master;
        // The model holds the master rounded: 1 up to 1.00390625 (t ≤ 3), then 1 + 2^-7.
        QVERIFY(torch::equal(p, mw.optimized()[0].to(torch::kBFloat16)));
        QCOMPARE(p[0].item<double>(), t <= 3 ? 1.0 : 1.0 + std::ldexp(1.0, -7));
        // Plain bf16 AdamW rounds every update away: the parameter never moves.
        QCOMPARE(q[0].item<double>(), 1.0);
    }
    QVERIFY(stateOf(mixed, mw.optimized()[0])->exp_avg().scalar_type() == torch::kFloat);
    QVERIFY(stateOf(plain, q)->exp_avg().scalar_type() == torch::kBFloat16);
}

void TestMasterWeights::trainerKeepsFp32MastersAndMoments() {
    auto trainer = bf16Trainer(bf16Options(3));
    const MasterWeights& mw = trainer->masterWeights();
    const auto params = trainer->model()->parameters();
    QCOMPARE(mw.masterCount(), params.size());
    const auto& optimized = trainer->optimizer().param_groups().at(0).params();
    QCOMPARE(optimized.size(), params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY(optimized[i].is_same(mw.optimized()[i]) && !optimized[i].is_same(params[i]));
    }
    std::string problem;
    std::int64_t steps = 0;
    bool roundedAway = false;  // some master holds bits its bf16 parameter cannot
    TrainerHooks hooks;
    hooks.onStep = [&](const StepEvent& e) {
        steps = e.step;
        for (std::size_t i = 0; i < params.size() && problem.empty(); ++i) {
            const at::Tensor& p = params[i];
            const at::Tensor& m = mw.optimized()[i];
            const auto* s = stateOf(trainer->optimizer(), m);
            if (p.scalar_type() != torch::kBFloat16 || m.scalar_type() != torch::kFloat) {
                problem = "dtypes at step " + std::to_string(e.step);
            } else if (!torch::equal(p, m.to(torch::kBFloat16))) {
                problem = "parameter != rounded master at step " + std::to_string(e.step);
            } else if (s == nullptr || s->exp_avg().scalar_type() != torch::kFloat ||
                       s->exp_avg_sq().scalar_type() != torch::kFloat || s->step() != e.step) {
                problem = "moments at step " + std::to_string(e.step);
            } else if (p.grad().scalar_type() != torch::kBFloat16 ||
                       m.grad().scalar_type() != torch::kFloat) {
                problem = "gradient dtypes at step " + std::to_string(e.step);
            }
            roundedAway = roundedAway || !torch::equal(m, p.to(torch::kFloat));
        }
    };
    trainer->train(hooks);
    QCOMPARE(steps, std::int64_t{3});
    QVERIFY2(problem.empty(), problem.c_str());
    QVERIFY(roundedAway);
}

void TestMasterWeights::mastersFollowFp32AdamW() {
    // The reference: an fp32 copy of the bf16 model's initial weights, stepped by a plain fp32
    // AdamW with the bf16 gradients converted to fp32 and clipped by the same rule. Clip 0.05
    // is below the toy gradients' norm, so clipping scales every step.
    auto options = bf16Options(3);
    options.optimizer.gradClip = 0.05;
    auto trainer = bf16Trainer(options);
    auto reference = test::toyModel(1, torch::kBFloat16);
    reference->to(torch::kFloat);
    const auto refParams = reference->parameters();
    torch::optim::AdamW adamw(refParams, torch::optim::AdamWOptions(options.optimizer.lr)
                                             .betas({options.optimizer.beta1, options.optimizer.beta2})
                                             .weight_decay(options.optimizer.weightDecay));
    const auto params = trainer->model()->parameters();
    const MasterWeights& mw = trainer->masterWeights();
    std::string problem;
    std::int64_t steps = 0;
    bool roundedAway = false;
    TrainerHooks hooks;
    hooks.onStep = [&](const StepEvent& e) {
        steps = e.step;
        adamw.zero_grad();
        for (std::size_t i = 0; i < params.size(); ++i) {
            // The model's gradients are the unclipped bf16 ones: clipping acts on the masters'.
            if (params[i].grad().defined()) {
                refParams[i].mutable_grad() = params[i].grad().to(torch::kFloat);
            }
        }
        const double norm = clipGradNorm(refParams, options.optimizer.gradClip);
        if (norm != e.gradNorm || !(norm > options.optimizer.gradClip)) {
            problem = "grad norm " + std::to_string(norm) + " vs " + std::to_string(e.gradNorm);
        }
        for (auto& group : adamw.param_groups()) {
            static_cast<torch::optim::AdamWOptions&>(group.options()).lr(e.lr);
        }
        adamw.step();
        for (std::size_t i = 0; i < params.size() && problem.empty(); ++i) {
            if (!torch::equal(mw.optimized()[i], refParams[i])) {
                problem = "master " + std::to_string(i) + " differs at step " + std::to_string(e.step);
            }
            roundedAway = roundedAway || !torch::equal(refParams[i], params[i].to(torch::kFloat));
        }
    };
    trainer->train(hooks);
    QCOMPARE(steps, std::int64_t{3});
    QVERIFY2(problem.empty(), problem.c_str());
    QVERIFY(roundedAway);  // the comparison is with fp32 values the bf16 model cannot hold
}

void TestMasterWeights::freshRunTakesWeightsSetAfterConstruction() {
    // Weights loaded into the model after the trainer was built: a fresh run's masters start
    // from them. The first update has lr 0 (warm-up), so it must leave them in place.
    auto options = bf16Options(1);
    options.optimizer.warmupSteps = 1;
    auto trainer = bf16Trainer(options);
    const auto params = trainer->model()->parameters();
    const auto other = test::toyModel(9, torch::kBFloat16)->parameters();
    {
        torch::NoGradGuard noGrad;
        for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(other[i]);
    }
    std::vector<double> lrs;
    TrainerHooks hooks;
    hooks.onStep = [&](const StepEvent& e) { lrs.push_back(e.lr); };
    trainer->train(hooks);
    QVERIFY(lrs == std::vector<double>{0.0});
    for (std::size_t i = 0; i < params.size(); ++i) {
        QVERIFY(torch::equal(params[i], other[i]));
        QVERIFY(torch::equal(trainer->masterWeights().optimized()[i], other[i].to(torch::kFloat)));
    }
}

void TestMasterWeights::cudaMastersAndResume() {
    // On a GPU machine (tests/device/run_checks.sh): a bf16 model on CUDA trains with fp32
    // masters on CUDA, the model equal to the rounded masters; a checkpoint restores the exact
    // masters into a fresh CUDA trainer and the resumed run continues like the straight one.
    if (!torch::cuda::is_available()) QSKIP("no CUDA device");
    test::TempDir dir("masters-cuda");
    auto cudaTrainer = [&](const std::filesystem::path& root, std::uint64_t seed) {
        auto options = bf16Options(4);
        options.checkpointEvery = 2;
        options.checkpointRoot = root;
        auto m = test::toyModel(seed, torch::kBFloat16);
        m->to(torch::Device(torch::kCUDA));
        return std::make_unique<Trainer>(m, std::make_shared<test::ToyObjective>(),
                                         std::make_shared<test::ToyData>(16, 2), nullptr, options);
    };
    auto straight = cudaTrainer(dir.path() / "a", 1);
    std::vector<double> losses;
    std::string problem;
    TrainerHooks hooks;
    hooks.onStep = [&](const StepEvent& e) {
        losses.push_back(e.losses.front().second);
        const auto params = straight->model()->parameters();
        for (std::size_t i = 0; i < params.size() && problem.empty(); ++i) {
            const at::Tensor& m = straight->masterWeights().optimized()[i];
            if (!m.is_cuda() || m.scalar_type() != torch::kFloat || !params[i].is_cuda() ||
                params[i].scalar_type() != torch::kBFloat16 ||
                !torch::equal(params[i], m.to(torch::kBFloat16))) {
                problem = "parameter " + std::to_string(i) + " at step " + std::to_string(e.step);
            }
        }
    };
    hooks.onCheckpoint = [&](const CheckpointEvent& e) {
        if (e.step == 2) {
            std::filesystem::copy(e.dir, dir.path() / "step2", std::filesystem::copy_options::recursive);
        }
    };
    straight->train(hooks);
    QVERIFY2(problem.empty(), problem.c_str());
    QCOMPARE(losses.size(), std::size_t{4});

    auto resumed = cudaTrainer(dir.path() / "b", 5);
    resumed->restore(dir.path() / "step2");
    std::vector<double> after;
    TrainerHooks afterHooks;
    afterHooks.onStep = [&](const StepEvent& e) { after.push_back(e.losses.front().second); };
    resumed->train(afterHooks);
    QCOMPARE(after.size(), std::size_t{2});
    // CUDA kernels may not be bitwise deterministic run to run: close, not necessarily equal.
    for (std::size_t i = 0; i < after.size(); ++i) {
        QVERIFY2(std::abs(after[i] - losses[i + 2]) <= 1e-3 * std::abs(losses[i + 2]),
                 (std::to_string(after[i]) + " vs " + std::to_string(losses[i + 2])).c_str());
    }
    const auto& ma = straight->masterWeights().optimized();
    const auto& mb = resumed->masterWeights().optimized();
    for (std::size_t i = 0; i < ma.size(); ++i) {
        QVERIFY(mb[i].is_cuda());
        QVERIFY((ma[i] - mb[i]).abs().max().item<double>() <= 1e-3);
    }
}

FLOWER_TEST_MAIN(TestMasterWeights, mastersOnlyForLowPrecision, tinyUpdatesAccumulateInTheMaster,
                 trainerKeepsFp32MastersAndMoments, mastersFollowFp32AdamW,
                 freshRunTakesWeightsSetAfterConstruction, cudaMastersAndResume)

#ifdef FLOWER_TEST_QT
#include "test_master_weights.moc"
#endif
