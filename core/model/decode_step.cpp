#include "core/model/decode_step.h"

#include "core/model/cpu_kernels.h"
#include "core/model/kv_cache.h"
#include "core/model/qwen2_decoder_layer.h"

#include <torch/torch.h>

#include <omp.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace flower::model {

namespace {

std::atomic<bool> stepEnabled{true};

// The threads of one OpenMP region meet here between phases. A phase lasts microseconds, and
// a passive OpenMP barrier would put the waiting thread to sleep and wake it with a syscall
// each time; spinning (then yielding, should the other thread be descheduled) costs nothing
// at this scale.
class SpinBarrier {
public:
    void wait(int threads) {
        if (threads == 1) return;
        const unsigned generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) == threads - 1) {
            arrived_.store(0, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
            return;
        }
        for (int spins = 0; generation_.load(std::memory_order_acquire) == generation; ++spins) {
            if (spins < 20000) {
#if defined(__x86_64__)
                _mm_pause();
#endif
            } else {
                std::this_thread::yield();
            }
        }
    }

private:
    std::atomic<int> arrived_{0};
    std::atomic<unsigned> generation_{0};
};

// Thread p's share [begin, end) of `units` units of work.
std::pair<std::int64_t, std::int64_t> share(std::int64_t units, int p, int threads) {
    return {units * p / threads, units * (p + 1) / threads};
}

struct LayerWeights {
    const float *inputNorm, *postNorm;
    const float *q, *k, *v, *qBias, *kBias, *vBias, *o;
    const float *gate, *up, *down;
    float *keyRoom, *valueRoom;  // [n, Hkv, capacity, Dh]
    std::int64_t capacity;
};

const float* floats(const at::Tensor& t) { return t.data_ptr<float>(); }

bool cpuFloatContiguous(const at::Tensor& t) {
    return t.defined() && t.is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous();
}

}  // namespace

bool decodeStepEnabled() { return stepEnabled.load(std::memory_order_relaxed); }
void setDecodeStepEnabled(bool on) { stepEnabled.store(on, std::memory_order_relaxed); }

bool decodeStepApplies(const std::vector<const Qwen2DecoderLayerImpl*>& layers, const at::Tensor& hidden,
                       const at::Tensor& newMask, const KvCache* cache) {
    if (!decodeStepEnabled() || !kernels::enabled() || cache == nullptr || at::GradMode::is_enabled() || hidden.dim() != 2 ||
        !cpuFloatContiguous(hidden) || hidden.size(0) > kDecodeStepMaxRows || newMask.size(1) != 1 || !cache->hasRoom(1) ||
        cache->batchSize() != hidden.size(0) || layers.empty()) {
        return false;
    }
    for (const Qwen2DecoderLayerImpl* layer : layers) {
        const auto& a = *layer->self_attn;
        const auto& m = *layer->mlp;
        for (const at::Tensor* t :
             {&layer->input_layernorm->weight, &layer->post_attention_layernorm->weight, &a.q_proj->weight,
              &a.k_proj->weight, &a.v_proj->weight, &a.q_proj->bias, &a.k_proj->bias, &a.v_proj->bias,
              &a.o_proj->weight, &m.gate_proj->weight, &m.up_proj->weight, &m.down_proj->weight}) {
            if (!cpuFloatContiguous(*t)) return false;
        }
    }
    return newMask.all().item<bool>();  // a padding token (never in decoding) takes the module path
}

at::Tensor decodeStep(const std::vector<const Qwen2DecoderLayerImpl*>& layers, const Qwen2Config& config,
                      const at::Tensor& hiddenIn, const at::Tensor& cosIn, const at::Tensor& sinIn,
                      const at::Tensor& keyBiasIn, KvCache& cache) {
    const std::int64_t n = hiddenIn.size(0), D = config.hiddenSize, F = config.intermediateSize;
    const std::int64_t H = config.numAttentionHeads, Hkv = config.numKeyValueHeads, Dh = config.headDim();
    const std::int64_t G = H / Hkv, heads = H + 2 * Hkv;  // q, k, v heads of the projection
    const std::int64_t S = keyBiasIn.size(1);              // keys read: cached + the new one
    const std::int64_t past = S - 1;
    const auto eps = static_cast<float>(config.rmsNormEps);
    const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(Dh)));

    std::vector<LayerWeights> weights;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const auto& a = *layers[l]->self_attn;
        const auto& m = *layers[l]->mlp;
        auto [keyRoom, valueRoom] = cache.room(static_cast<std::int64_t>(l));
        weights.push_back({floats(layers[l]->input_layernorm->weight),
                           floats(layers[l]->post_attention_layernorm->weight), floats(a.q_proj->weight),
                           floats(a.k_proj->weight), floats(a.v_proj->weight), floats(a.q_proj->bias),
                           floats(a.k_proj->bias), floats(a.v_proj->bias), floats(a.o_proj->weight),
                           floats(m.gate_proj->weight), floats(m.up_proj->weight), floats(m.down_proj->weight),
                           keyRoom.data_ptr<float>(), valueRoom.data_ptr<float>(), keyRoom.size(2)});
    }

    at::Tensor hidden = hiddenIn.clone();  // [n, D], the residual stream, updated in place
    const at::Tensor cos = cosIn.contiguous(), sin = sinIn.contiguous(), keyBias = keyBiasIn.contiguous();
    const int maxThreads = omp_get_max_threads();
    // Per thread: its normed copy of the stream [n, D] and a projection scratch [n, max(2·F, D)]
    // (gate and up of its columns side by side); shared: q [n, H, Dh], attention output
    // [n, H·Dh], SwiGLU output [n, F]; attention scores need S floats per thread.
    const std::int64_t scratchWidth = std::max(2 * F, std::max(D, Dh));
    at::Tensor normed = at::empty({maxThreads, n, D}, hidden.options());
    at::Tensor scratch = at::empty({maxThreads, n, scratchWidth + S}, hidden.options());
    at::Tensor q = at::empty({n, H, Dh}, hidden.options());
    at::Tensor attended = at::empty({n, H * Dh}, hidden.options());
    at::Tensor swiglu = at::empty({n, F}, hidden.options());
    float* h = hidden.data_ptr<float>();
    const float* cp = cos.data_ptr<float>();
    const float* sp = sin.data_ptr<float>();
    const float* bias = keyBias.data_ptr<float>();
    float* qp = q.data_ptr<float>();
    float* op = attended.data_ptr<float>();
    float* mp = swiglu.data_ptr<float>();
    SpinBarrier barrier;

#pragma omp parallel
    {
        const int threads = omp_get_num_threads(), p = omp_get_thread_num();
        float* a = normed.data_ptr<float>() + p * n * D;
        float* tmp = scratch.data_ptr<float>() + p * n * (scratchWidth + S);
        float* scores = tmp + n * scratchWidth;
        const auto [c0, c1] = share(D, p, threads);
        // This thread's copy of the normed stream.
        const auto normRows = [&](const float* weight) {
            for (std::int64_t r = 0; r < n; ++r) kernels::rmsNormRow(h + r * D, weight, eps, a + r * D, D);
        };
        // h[:, c0:c1] += x · weightᵀ for this thread's output columns (x: [n, K]).
        const auto addToStream = [&](const float* x, std::int64_t K, const float* weight) {
            kernels::linearFewRows(x, n, K, weight + c0 * K, nullptr, tmp, c1 - c0, 0, c1 - c0);
            for (std::int64_t r = 0; r < n; ++r) {
                for (std::int64_t c = c0; c < c1; ++c) h[r * D + c] += tmp[r * (c1 - c0) + c - c0];
            }
        };
        for (const LayerWeights& w : weights) {
            const std::int64_t capacity = w.capacity;
            // q/k/v by heads: projection, rotary, then k/v into the cache room at `past`.
            normRows(w.inputNorm);
            const auto [h0, h1] = share(heads, p, threads);
            for (std::int64_t head = h0; head < h1; ++head) {
                const bool isQ = head < H, isK = !isQ && head < H + Hkv;
                const std::int64_t local = isQ ? head : isK ? head - H : head - H - Hkv;
                const float* weight = (isQ ? w.q : isK ? w.k : w.v) + local * Dh * D;
                const float* b = (isQ ? w.qBias : isK ? w.kBias : w.vBias) + local * Dh;
                kernels::linearFewRows(a, n, D, weight, b, tmp, Dh, 0, Dh);  // [n, Dh]
                for (std::int64_t r = 0; r < n; ++r) {
                    float* row = tmp + r * Dh;
                    float* out = isQ ? qp + (r * H + local) * Dh
                                     : (isK ? w.keyRoom : w.valueRoom) + ((r * Hkv + local) * capacity + past) * Dh;
                    if (isQ || isK) {
                        kernels::rotaryRow(row, cp + r * Dh, sp + r * Dh, out, Dh);
                    } else {
                        for (std::int64_t d = 0; d < Dh; ++d) out[d] = row[d];
                    }
                }
            }
            barrier.wait(threads);
            // Attention of each (row, query head) over the cached keys and the new one.
            const auto [t0, t1] = share(n * H, p, threads);
            for (std::int64_t task = t0; task < t1; ++task) {
                const std::int64_t r = task / H, head = task % H, kvHead = head / G;
                const std::int64_t rows = (r * Hkv + kvHead) * capacity * Dh;
                kernels::attendOneQuery(qp + task * Dh, w.keyRoom + rows, w.valueRoom + rows, bias + r * S, S, Dh,
                                        scale, scores, op + task * Dh);
            }
            barrier.wait(threads);
            // o_proj into the residual stream, by output columns.
            addToStream(op, H * Dh, w.o);
            barrier.wait(threads);
            // gate and up of this thread's columns side by side, then SwiGLU.
            normRows(w.postNorm);
            const auto [f0, f1] = share(F, p, threads);
            const std::int64_t f = f1 - f0;
            kernels::linearFewRows(a, n, D, w.gate + f0 * D, nullptr, tmp, 2 * f, 0, f);
            kernels::linearFewRows(a, n, D, w.up + f0 * D, nullptr, tmp + f, 2 * f, 0, f);
            for (std::int64_t r = 0; r < n; ++r) kernels::swigluRow(tmp + r * 2 * f, mp + r * F + f0, f);
            barrier.wait(threads);
            // down_proj into the residual stream, by output columns.
            addToStream(mp, F, w.down);
            barrier.wait(threads);
        }
    }
    cache.grow(1);
    return hidden;
}

}  // namespace flower::model
