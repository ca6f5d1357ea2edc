// bench_model_gpu — the Qwen2 policy at a real model's size on a CUDA GPU: a randomly initialised
// Qwen2.5-1.5B-shaped model (28 layers, d 1536, 12 heads / 2 K/V heads, FFN 8960, vocabulary
// 151,936, tied head) in bf16, next to the GPU's bf16 matmul rate measured in the same run.
//
// For each batch shape: the training step (forward, next-token cross-entropy in fp32, backward)
// with gradient checkpointing off and on, in tokens/s, achieved TFLOP/s and MFU; then KV-cache
// decoding (8 rows, 128-token prompt, 64 new tokens, greedy) in tokens/s.
// FLOPs per token follow the PaLM appendix: 6·N (N = matmul weights, head included, embedding
// lookup excluded) + 12·L·T·D for attention (counted as full T×T, as MFU figures usually are;
// causal kernels do about half of it). MFU divides by the bf16 matmul rate measured here
// (8192³ products); the datasheet's dense bf16 figure for H100/H200 SXM is 989 TFLOP/s.
// Times are medians of --reps steps after two warm-up steps, each step closed by a device
// synchronisation. Without a CUDA device it says so and exits 0 (CI builds it on CPU machines).
//
//   build/tests/bench/model/bench_model_gpu [--reps N] [--layers N]
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/token_log_probs.h"
#include "core/util/runtime.h"
#include "tests/bench/bench_timing.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace flower::model;

namespace {

// Median wall time of `reps` calls of f after two warm-ups, each closed by a device sync.
template <typename F>
double deviceMs(F&& f, int reps) {
    return flower::bench::medianMs(
        [&] {
            f();
            torch::cuda::synchronize();
        },
        reps, 2);
}

double bf16MatmulTflops(const torch::Device& device, int reps) {
    const std::int64_t n = 8192;
    const auto opts = torch::TensorOptions().device(device).dtype(torch::kBFloat16);
    const torch::Tensor a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts);
    const double ms = deviceMs([&] { torch::mm(a, b); }, reps * 2);
    return 2.0 * n * n * n / (ms * 1e-3) / 1e12;
}

Qwen2Config qwen25_1_5b(std::int64_t layers) {
    Qwen2Config c;
    c.hiddenSize = 1536;
    c.intermediateSize = 8960;
    c.numHiddenLayers = layers;
    c.numAttentionHeads = 12;
    c.numKeyValueHeads = 2;
    c.vocabSize = 151936;
    c.rmsNormEps = 1e-6;
    c.ropeTheta = 1'000'000.0;
    c.maxPositionEmbeddings = 32768;
    c.tieWordEmbeddings = true;
    c.torchDtype = "bfloat16";
    c.validate("Qwen2.5-1.5B shape");
    return c;
}

// Qwen2's initialisation (normal 0.02, norms 1, biases 0), drawn on the device: initWeights()
// draws 1.5 B numbers on the CPU, which would take longer than the whole benchmark.
void initOnDevice(Qwen2ForCausalLM& model) {
    torch::NoGradGuard noGrad;
    for (auto& item : model->named_parameters()) {
        const std::string& name = item.key();
        torch::Tensor& p = item.value();
        if (name.find("layernorm") != std::string::npos || name == "model.norm.weight") {
            p.fill_(1.0);
        } else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
            p.zero_();
        } else {
            p.normal_(0.0, 0.02);
        }
    }
}

double trainingFlops(const Qwen2Config& c, std::int64_t B, std::int64_t T) {
    const double d = c.hiddenSize, f = c.intermediateSize, kv = c.numKeyValueHeads * c.headDim();
    const double perLayer = d * d + 2 * d * kv + d * d + 3 * d * f;  // q, k, v, o, SwiGLU
    const double matmulParams = c.numHiddenLayers * perLayer + d * c.vocabSize;
    const double tokens = static_cast<double>(B * T);
    return tokens * (6.0 * matmulParams + 12.0 * c.numHiddenLayers * T * d);
}

// Forward, mean next-token NLL over the fp32 log-softmax, backward: what SftObjective does.
void trainingStep(Qwen2ForCausalLM& model, const torch::Tensor& ids) {
    model->zero_grad(true);
    const std::int64_t T = ids.size(1);
    const torch::Tensor hidden = model->hiddenStates(ids);                        // [B, T, D]
    const torch::Tensor logits = model->logitsFrom(hidden.narrow(1, 0, T - 1));  // [B, T-1, V]
    const torch::Tensor nll = -tokenLogProbs(logits.reshape({-1, logits.size(-1)}).to(torch::kFloat),
                                             ids.narrow(1, 1, T - 1).reshape({-1, 1}))
                                   .mean();
    nll.backward();
}

}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    int reps = 5;
    std::int64_t layers = 28;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--layers")) layers = std::atoll(argv[i + 1]);
    }
    if (!torch::cuda::is_available()) {
        std::printf("bench_model_gpu: this LibTorch sees no CUDA device; nothing to measure\n");
        return 0;
    }
    const torch::Device device(torch::kCUDA, 0);
    torch::manual_seed(0);
    const double peak = bf16MatmulTflops(device, reps);
    std::printf("bf16 matmul 8192^3: %.1f TFLOP/s (measured peak; datasheet dense bf16 989)\n", peak);

    const Qwen2Config c = qwen25_1_5b(layers);
    Qwen2ForCausalLM model(c);
    model->to(device, torch::kBFloat16);
    initOnDevice(model);
    std::printf("Qwen2.5-1.5B shape, %lld layers, bf16, %lld parameters\n",
                static_cast<long long>(layers), static_cast<long long>(model->parameterCount()));
    std::printf("%-10s %-5s %9s %10s %9s %8s %8s\n", "batch", "ckpt", "step ms", "tokens/s", "TFLOP/s",
                "MFU", "vs 989");
    const std::vector<std::pair<std::int64_t, std::int64_t>> shapes = {{8, 512}, {4, 2048}};
    for (const auto& [B, T] : shapes) {
        const torch::Tensor ids = torch::randint(c.vocabSize, {B, T}, torch::TensorOptions().device(device).dtype(torch::kLong));
        for (const bool ckpt : {false, true}) {
            model->setGradientCheckpointing(ckpt);
            const double ms = deviceMs([&] { trainingStep(model, ids); }, reps);
            const double tflops = trainingFlops(c, B, T) / (ms * 1e-3) / 1e12;
            std::printf("%4lld x %-4lld %-5s %9.1f %10.0f %9.1f %7.1f%% %7.1f%%\n", static_cast<long long>(B),
                        static_cast<long long>(T), ckpt ? "on" : "off", ms, B * T / (ms * 1e-3), tflops,
                        100.0 * tflops / peak, 100.0 * tflops / 989.0);
        }
    }
    model->setGradientCheckpointing(false);
    model->zero_grad(true);

    {
        torch::NoGradGuard noGrad;
        const std::int64_t B = 8, prompt = 128, steps = 64;
        const auto longOpts = torch::TensorOptions().device(device).dtype(torch::kLong);
        const torch::Tensor p = torch::randint(c.vocabSize, {B, prompt}, longOpts);
        const torch::Tensor one = torch::ones({B, 1}, longOpts);
        const double ms = deviceMs(
            [&] {
                KvCache cache(c.numHiddenLayers);
                torch::Tensor logits = model->forward(p, {}, &cache);
                cache.reserve(steps);
                for (std::int64_t s = 0; s < steps; ++s) {
                    const torch::Tensor next = logits.select(1, logits.size(1) - 1).argmax(-1, true);  // [B, 1]
                    logits = model->forward(next, one, &cache);
                }
            },
            reps);
        std::printf("decode: %lld rows, %lld-token prompt, %lld new tokens: %.0f tokens/s (%.1f ms/token step)\n",
                    static_cast<long long>(B), static_cast<long long>(prompt), static_cast<long long>(steps),
                    B * steps / (ms * 1e-3), ms / steps);
    }
    return 0;
}
