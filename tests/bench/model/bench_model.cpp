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
// Then gradient checkpointing (Qwen2ForCausalLM::setGradientCheckpointing) on the --ckpt preset
// (default tiny) at the same batch: step time off vs on (interleaved medians), and tensor memory
// counted by a wrapping CPU allocator (installed only for this part, after all timings): bytes
// still held when the forward has returned (what the graph saved for the backward) and the peak
// during the whole step, both above what was live before the step (weights, inputs).
//
//   build/tests/bench/model/bench_model [--reps N] [--preset NAME] [--threads N] [--profile PREFIX]
//                                       [--ckpt PRESET|none]
#include "core/model/cpu_kernels.h"
#include "core/model/fused_attention.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_for_causal_lm.h"
#include "core/model/qwen2_presets.h"
#include "core/model/token_log_probs.h"
#include "core/util/runtime.h"
#include "tests/bench/bench_timing.h"

#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using namespace flower::model;

namespace {

using flower::bench::medianMs;

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

// One training step at [B, T]: forward, next-token cross-entropy, backward.
// Slice the hidden states, not the logits: the slice's backward then fills a [B, T, D] buffer
// instead of a [B, T, V] one.
torch::Tensor stepForward(Qwen2ForCausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask) {
    const std::int64_t T = ids.size(1);
    const torch::Tensor hidden = model->hiddenStates(ids, mask);                // [B, T, D]
    const torch::Tensor logits = model->logitsFrom(hidden.narrow(1, 0, T - 1));  // [B, T-1, V]
    // Mean next-token negative log-likelihood (= cross_entropy), through the fused op the losses use.
    return -tokenLogProbs(logits.reshape({-1, logits.size(-1)}), ids.narrow(1, 1, T - 1).reshape({-1, 1})).mean();
}

void trainingStep(Qwen2ForCausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask) {
    model->zero_grad(true);
    stepForward(model, ids, mask).backward();
}

// Counts the bytes of live CPU tensor storage (and their peak) by wrapping the default CPU
// allocator. Deleters look the size up by pointer, so the raw interface keeps working.
class CountingAllocator : public c10::Allocator {
public:
    explicit CountingAllocator(c10::Allocator* base) : base_(base) {}
    c10::DataPtr allocate(std::size_t n) const override {
        c10::DataPtr inner = base_->allocate(n);
        void* data = inner.get();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            blocks_[data] = {n, inner.get_deleter()};
            live_ += static_cast<std::int64_t>(n);
            peak_ = std::max(peak_, live_);
        }
        inner.release_context();  // our deleter frees it from now on
        return {data, data, &CountingAllocator::release, c10::Device(c10::kCPU)};
    }
    c10::DeleterFnPtr raw_deleter() const override { return &CountingAllocator::release; }

    static CountingAllocator& instance() {
        // Never destroyed: tensors freed during static destruction still come back here.
        static auto* counting = new CountingAllocator(c10::GetDefaultCPUAllocator());
        return *counting;
    }
    std::int64_t live() const { std::lock_guard<std::mutex> lock(mutex_); return live_; }
    std::int64_t peak() const { std::lock_guard<std::mutex> lock(mutex_); return peak_; }
    void resetPeak() { std::lock_guard<std::mutex> lock(mutex_); peak_ = live_; }

private:
    static void release(void* data) {
        CountingAllocator& self = instance();
        c10::DeleterFnPtr deleter = nullptr;
        {
            std::lock_guard<std::mutex> lock(self.mutex_);
            const auto it = self.blocks_.find(data);
            if (it == self.blocks_.end()) return;  // not ours (cannot happen: only ours use this deleter)
            self.live_ -= static_cast<std::int64_t>(it->second.first);
            deleter = it->second.second;
            self.blocks_.erase(it);
        }
        deleter(data);
    }
    c10::Allocator* base_;
    mutable std::mutex mutex_;
    mutable std::unordered_map<void*, std::pair<std::size_t, c10::DeleterFnPtr>> blocks_;
    mutable std::int64_t live_ = 0, peak_ = 0;
};

struct StepMemory {
    double savedMiB = 0;  // held after the forward (the graph's saved tensors + the loss)
    double peakMiB = 0;   // peak during forward + backward, gradients included
};

StepMemory measureStepMemory(Qwen2ForCausalLM& model, const torch::Tensor& ids, const torch::Tensor& mask) {
    CountingAllocator& counter = CountingAllocator::instance();
    model->zero_grad(true);
    const double mib = 1024.0 * 1024.0;
    const std::int64_t before = counter.live();
    counter.resetPeak();
    StepMemory m;
    {
        torch::Tensor loss = stepForward(model, ids, mask);
        m.savedMiB = static_cast<double>(counter.live() - before) / mib;
        loss.backward();
    }
    m.peakMiB = static_cast<double>(counter.peak() - before) / mib;
    return m;
}

// The attention alone at the tiny preset's shape (8 × 128 tokens, 4 heads on 2 K/V heads, head
// size 64, causal): fusedAttention against compositeAttention, forward and forward + backward,
// interleaved. GFLOP/s count the full T × T scores (4·B·T²·H·Dh forward, twice that backward),
// as the model's count does, although the fused path skips the masked half.
void attentionBench(int reps) {
    const std::int64_t B = 8, H = 4, Hkv = 2, T = 128, Dh = 64;
    const torch::Tensor q = torch::randn({B, H, T, Dh}).requires_grad_(true);
    const torch::Tensor k = torch::randn({B, Hkv, T, Dh}).requires_grad_(true);
    const torch::Tensor v = torch::randn({B, Hkv, T, Dh}).requires_grad_(true);
    const torch::Tensor allowed = torch::ones({T, T}, torch::kBool).tril().expand({B, 1, T, T});
    const torch::Tensor bias = attentionBias(allowed, torch::dtype(torch::kFloat));
    const torch::Tensor upstream = torch::randn({B, T, H * Dh});
    auto fused = [&] { return *fusedAttention(q, k, v, allowed, 0.125); };
    auto composite = [&] { return compositeAttention(q, k, v, bias, 0.125).transpose(1, 2).reshape({B, T, H * Dh}); };
    std::vector<double> ff, fc, bf, bc;
    for (int r = 0; r < reps + 1; ++r) {
        const bool keep = r > 0;  // round 0 warms up
        const double a = medianMs([&] { torch::NoGradGuard g; fused(); }, 3);
        const double b = medianMs([&] { torch::NoGradGuard g; composite(); }, 3);
        const double c = medianMs([&] { fused().backward(upstream); }, 3);
        const double d = medianMs([&] { composite().backward(upstream); }, 3);
        if (keep) {
            ff.push_back(a); fc.push_back(b); bf.push_back(c); bc.push_back(d);
        }
    }
    const double fwdFlop = 4.0 * B * T * T * H * Dh;
    auto line = [&](const char* what, double ms, double flop) {
        std::printf("%-22s %8.2f ms %8.1f GFLOP/s\n", what, ms, flop / (ms * 1e-3) / 1e9);
    };
    std::printf("\nattention alone, tiny shape (B 8, T 128, H 4, Hkv 2, Dh 64, causal)\n");
    line("fused forward", flower::bench::median(ff), fwdFlop);
    line("composite forward", flower::bench::median(fc), fwdFlop);
    line("fused fwd+bwd", flower::bench::median(bf), 3 * fwdFlop);
    line("composite fwd+bwd", flower::bench::median(bc), 3 * fwdFlop);
}

}  // namespace

int main(int argc, char** argv) {
    flower::util::ensureThreadEnvironment(argc, argv);
    int reps = 5, threads = 0;
    std::string only, profile, ckptPreset = "tiny";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--preset")) only = argv[i + 1];
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        if (!std::strcmp(argv[i], "--profile")) profile = argv[i + 1];  // chrome trace of one step
        if (!std::strcmp(argv[i], "--ckpt")) ckptPreset = argv[i + 1];
    }
    const int used = flower::util::configureTorchThreads(threads > 0 ? std::optional<int>(threads) : std::nullopt);
    torch::manual_seed(0);
    const std::int64_t B = 8, T = 128, vocab = 4254;
    std::printf("threads %d, OMP_WAIT_POLICY=%s, reps %d (medians)\n", used,
                flower::util::openMpWaitsPassively() ? "PASSIVE" : "other", reps);
    const double peak = matmulPeak(reps);
    std::printf("fp32 matmul 1024^2: %.1f GFLOP/s\n", peak);
    std::printf("%-6s %8s %10s %10s %8s %9s %7s %10s %12s %10s %13s\n", "preset", "params", "step ms",
                "tokens/s", "GFLOP", "GFLOP/s", "%peak", "fwd ms", "decode tok/s", "peak here",
                "composite ms");
    for (const auto& preset : qwen2Presets()) {
        if (!only.empty() && preset.name != only) continue;
        const Qwen2Config c = qwen2Preset(preset.name, vocab);
        Qwen2ForCausalLM model(c);
        model->initWeights(0);
        const torch::Tensor ids = torch::randint(vocab, {B, T}, torch::kLong);
        const torch::Tensor mask = torch::ones({B, T}, torch::kLong);
        auto step = [&] { trainingStep(model, ids, mask); };
        step();
        if (!profile.empty()) {
            torch::autograd::profiler::RecordProfile guard(profile + "." + preset.name + ".json");
            step();
        }
        // The machine is shared: measure the matmul peak interleaved with the steps, so that
        // both see the same load, and compare medians.
        // The composite step (the fused CPU ops of core/model/cpu_kernels.h switched off) is
        // interleaved too: "composite ms" and its %peak.
        std::vector<double> peaks, steps, compositeSteps;
        for (int r = 0; r < reps; ++r) {
            peaks.push_back(matmulPeak(1));
            steps.push_back(medianMs(step, 1));
            flower::model::kernels::setEnabled(false);
            compositeSteps.push_back(medianMs(step, 1));
            flower::model::kernels::setEnabled(true);
        }
        const double localPeak = flower::bench::median(peaks);
        const double stepMs = flower::bench::median(steps);
        const double compositeMs = flower::bench::median(compositeSteps);
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
        std::printf("%-6s %8lld %10.1f %10.0f %8.2f %9.1f %6.0f%% %10.1f %12.0f %10.1f %8.1f (%2.0f%%)\n",
                    preset.name.c_str(), static_cast<long long>(model->parameterCount()), stepMs,
                    B * T / (stepMs * 1e-3), gflop, gflops, 100.0 * gflops / localPeak, fwdMs, decodeTps,
                    localPeak, compositeMs, 100.0 * gflop / (compositeMs * 1e-3) / localPeak);
    }
    std::printf("matmul peak again: %.1f GFLOP/s (load drift check)\n", matmulPeak(reps));
    if (only.empty() || only == "tiny") attentionBench(reps);

    if (ckptPreset != "none") {
        // Gradient checkpointing: the same step with the switch off and on, interleaved.
        Qwen2ForCausalLM model(qwen2Preset(ckptPreset, vocab));
        model->initWeights(0);
        const torch::Tensor ids = torch::randint(vocab, {B, T}, torch::kLong);
        const torch::Tensor mask = torch::ones({B, T}, torch::kLong);
        std::vector<double> off, on;
        for (int r = 0; r < reps + 1; ++r) {
            for (const bool ckpt : {false, true}) {
                model->setGradientCheckpointing(ckpt);
                const double ms = medianMs([&] { trainingStep(model, ids, mask); }, 1);
                if (r > 0) (ckpt ? on : off).push_back(ms);  // round 0 warms up
            }
        }
        std::sort(off.begin(), off.end());
        std::sort(on.begin(), on.end());
        const double offMs = off[off.size() / 2], onMs = on[on.size() / 2];
        // Memory last: the counting allocator stays installed (and slows allocation) from here.
        c10::SetCPUAllocator(&CountingAllocator::instance(), /*priority=*/100);
        model->setGradientCheckpointing(false);
        const StepMemory memOff = measureStepMemory(model, ids, mask);
        model->setGradientCheckpointing(true);
        const StepMemory memOn = measureStepMemory(model, ids, mask);
        const double paramMiB = static_cast<double>(model->parameterCount()) * 4 / (1024.0 * 1024.0);
        std::printf("\ngradient checkpointing, %s, batch %lld x %lld (weights %.1f MiB; gradients are part of the peak)\n",
                    ckptPreset.c_str(), static_cast<long long>(B), static_cast<long long>(T), paramMiB);
        std::printf("%-4s %10s %16s %14s\n", "ckpt", "step ms", "saved after fwd", "step peak");
        std::printf("%-4s %10.1f %12.1f MiB %10.1f MiB\n", "off", offMs, memOff.savedMiB, memOff.peakMiB);
        std::printf("%-4s %10.1f %12.1f MiB %10.1f MiB\n", "on", onMs, memOn.savedMiB, memOn.peakMiB);
        std::printf("on/off: time x%.2f, saved x%.2f, peak x%.2f\n", onMs / offMs,
                    memOn.savedMiB / memOff.savedMiB, memOn.peakMiB / memOff.peakMiB);
    }
    return 0;
}
