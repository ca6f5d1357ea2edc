// bench_model — speed of the Qwen2 policy on this machine, next to its measured matmul peak.
//
// In one run: the fp32 matmul peak (1024², GFLOP/s); for each preset at batch 8 × 128 tokens
// (vocabulary 4,254, a compacted Movies vocabulary) the training step (forward, next-token
// cross-entropy, backward) in tokens/s and achieved GFLOP/s; forward alone; and KV-cache decoding
// (8 rows, 32-token prompt, 32 new tokens) in tokens/s. FLOPs are counted analytically:
// 6 × tokens × matmul parameters (head included, embedding lookup excluded) + attention
// 3 × 4·B·T²·D per layer (the plain path computes the full T×T scores). Medians of --reps runs;
// "%peak" divides by the matmul peak measured interleaved with the steps ("peak here").
//
//   build/tests/bench/model/bench_model [--reps N] [--preset NAME] [--threads N] [--profile PREFIX]
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "core/util/runtime.h"

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace flower::model;

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double medianMs(F&& f, int reps) {
    std::vector<double> times;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = Clock::now();
        f();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

double matmulPeak(int reps) {
    const std::int64_t n = 1024;
    const auto a = torch::randn({n, n}), b = torch::randn({n, n});
    for (int i = 0; i < 3; ++i) torch::mm(a, b);
    const double ms = medianMs([&] { torch::mm(a, b); }, std::max(reps * 4, 10));
    return 2.0 * n * n * n / (ms * 1e-3) / 1e9;
}

double trainingFlops(const Qwen2Config& c, std::int64_t B, std::int64_t T) {
    const double d = c.hiddenSize, f = c.intermediateSize, kv = c.numKeyValueHeads * c.headDim();
    const double perLayer = d * d + 2 * d * kv + d * d + 3 * d * f;  // q, k, v, o, SwiGLU
    const double matmulParams = c.numHiddenLayers * perLayer + d * c.vocabSize;
    const double tokens = static_cast<double>(B * T);
    const double attention = 3.0 * 4.0 * B * T * T * d * c.numHiddenLayers;
    return 6.0 * tokens * matmulParams + attention;
}

}  // namespace

int main(int argc, char** argv) {
    flower::util::ensurePassiveOpenMp(argc, argv);
    int reps = 5, threads = 0;
    std::string only, profile;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--preset")) only = argv[i + 1];
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--profile")) profile = argv[i + 1];  // chrome trace of one step
    }
    const int used = flower::util::configureTorchThreads(threads > 0 ? std::optional<int>(threads) : std::nullopt);
    torch::manual_seed(0);
    const std::int64_t B = 8, T = 128, vocab = 4254;
    std::printf("threads %d, OMP_WAIT_POLICY=%s, reps %d (medians)\n", used,
                flower::util::openMpWaitsPassively() ? "PASSIVE" : "other", reps);
    const double peak = matmulPeak(reps);
    std::printf("fp32 matmul 1024^2: %.1f GFLOP/s\n", peak);
    std::printf("%-6s %8s %10s %10s %8s %9s %7s %10s %12s %10s\n", "preset", "params", "step ms",
                "tokens/s", "GFLOP", "GFLOP/s", "%peak", "fwd ms", "decode tok/s", "peak here");
    for (const auto& preset : qwen2Presets()) {
        if (!only.empty() && preset.name != only) continue;
        const Qwen2Config c = qwen2Preset(preset.name, vocab);
        Qwen2ForCausalLM model(c);
        model->initWeights(0);
        const torch::Tensor ids = torch::randint(vocab, {B, T}, torch::kLong);
        const torch::Tensor mask = torch::ones({B, T}, torch::kLong);
        auto step = [&] {
            model->zero_grad(true);
            // Slice the hidden states, not the logits: the slice's backward then fills a
            // [B, T, D] buffer instead of a [B, T, V] one.
            const torch::Tensor hidden = model->hiddenStates(ids, mask);                // [B, T, D]
            const torch::Tensor logits = model->logitsFrom(hidden.narrow(1, 0, T - 1));  // [B, T-1, V]
            const torch::Tensor loss = torch::nn::functional::cross_entropy(
                logits.reshape({-1, vocab}), ids.narrow(1, 1, T - 1).reshape({-1}));
            loss.backward();
        };
        step();
        if (!profile.empty()) {
            torch::autograd::profiler::RecordProfile guard(profile + "." + preset.name + ".json");
            step();
        }
        // The machine is shared: measure the matmul peak interleaved with the steps, so that
        // both see the same load, and compare medians.
        std::vector<double> peaks, steps;
        for (int r = 0; r < reps; ++r) {
            peaks.push_back(matmulPeak(1));
            steps.push_back(medianMs(step, 1));
        }
        std::sort(peaks.begin(), peaks.end());
        std::sort(steps.begin(), steps.end());
        const double localPeak = peaks[peaks.size() / 2];
        const double stepMs = steps[steps.size() / 2];
        double fwdMs = 0;
        {
            torch::NoGradGuard noGrad;
            model->forward(ids, mask);
            fwdMs = medianMs([&] { model->forward(ids, mask); }, reps);
        }
        // Decoding: 8 rows, 32-token prompt, then 32 single-token steps through the cache.
        double decodeTps = 0;
        {
            torch::NoGradGuard noGrad;
            const std::int64_t prompt = 32, steps = 32;
            const torch::Tensor p = ids.narrow(1, 0, prompt);
            const torch::Tensor one = torch::ones({B, 1}, torch::kLong);
            const double ms = medianMs(
                [&] {
                    KvCache cache(c.numHiddenLayers);
                    torch::Tensor logits = model->forward(p, {}, &cache);
                    for (std::int64_t s = 0; s < steps; ++s) {
                        const torch::Tensor next = logits.select(1, logits.size(1) - 1).argmax(-1, true);  // [B, 1]
                        logits = model->forward(next, one, &cache);
                    }
                },
                reps);
            decodeTps = B * steps / (ms * 1e-3);
        }
        const double gflop = trainingFlops(c, B, T) / 1e9;
        const double gflops = gflop / (stepMs * 1e-3);
        std::printf("%-6s %8lld %10.1f %10.0f %8.2f %9.1f %6.0f%% %10.1f %12.0f %10.1f\n", preset.name.c_str(),
                    static_cast<long long>(model->parameterCount()), stepMs, B * T / (stepMs * 1e-3), gflop,
                    gflops, 100.0 * gflops / localPeak, fwdMs, decodeTps, localPeak);
    }
    std::printf("matmul peak again: %.1f GFLOP/s (load drift check)\n", matmulPeak(reps));
    return 0;
}
