#include "core/model/cpu_kernels.h"

#include "core/model/fast_exp.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

// Built with -fopenmp-simd -fno-trapping-math (core/CMakeLists.txt): the `omp simd reduction`
// pragmas vectorise float sums and maxima, and the exp clamps become selects (no -ffast-math).

namespace flower::model::kernels {

namespace {

template <typename T>
FLOWER_INLINE T logSumExpT(const T* x, std::int64_t n) {
    T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
    for (std::int64_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
    if (std::isinf(m) && m < 0) return m;  // every entry −inf (or n = 0)
    T s = 0;
#pragma omp simd reduction(+ : s)
    for (std::int64_t j = 0; j < n; ++j) s += expFast(x[j] - m);  // NaN in x: s is NaN
    return m + std::log(s);
}

template <typename T>
FLOWER_INLINE void scaledSoftmaxT(const T* x, T lse, T scale, T* out, std::int64_t n) {
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) out[j] = -scale * expFast(x[j] - lse);
}

template <typename T>
FLOWER_INLINE T rmsNormRowT(const T* x, const T* w, T eps, T* y, std::int64_t n) {
    T ss = 0;
#pragma omp simd reduction(+ : ss)
    for (std::int64_t j = 0; j < n; ++j) ss += x[j] * x[j];
    const T r = T(1) / std::sqrt(ss / static_cast<T>(n) + eps);
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) y[j] = w[j] * (x[j] * r);
    return r;
}

template <typename T>
FLOWER_INLINE void rmsNormRowBackwardT(const T* x, const T* w, const T* g, T r, T* gx, T* gwAcc,
                                       std::int64_t n) {
    T dot = 0;
#pragma omp simd reduction(+ : dot)
    for (std::int64_t j = 0; j < n; ++j) dot += w[j] * g[j] * x[j];
    const T c = r * r * dot / static_cast<T>(n);
#pragma omp simd
    for (std::int64_t j = 0; j < n; ++j) {
        gx[j] = r * (w[j] * g[j] - x[j] * c);
        gwAcc[j] += g[j] * x[j] * r;
    }
}

template <typename T>
FLOWER_INLINE void swigluRowT(const T* gu, T* y, std::int64_t f) {
    const T* up = gu + f;
#pragma omp simd
    for (std::int64_t j = 0; j < f; ++j) {
        const T g = gu[j];
        y[j] = g / (T(1) + expFast(-g)) * up[j];
    }
}

template <typename T>
FLOWER_INLINE void swigluRowBackwardT(const T* gu, const T* go, T* dgu, std::int64_t f) {
    const T* up = gu + f;
    T* dup = dgu + f;
#pragma omp simd
    for (std::int64_t j = 0; j < f; ++j) {
        const T g = gu[j];
        const T s = T(1) / (T(1) + expFast(-g));  // sigmoid(gate)
        dgu[j] = go[j] * up[j] * s * (T(1) + g * (T(1) - s));
        dup[j] = go[j] * g * s;
    }
}

template <typename T>
FLOWER_INLINE void rotaryRowT(const T* x, const T* c, const T* s, T* y, std::int64_t Dh) {
    const std::int64_t h = Dh / 2;
#pragma omp simd
    for (std::int64_t d = 0; d < h; ++d) y[d] = x[d] * c[d] + x[d + h] * s[d];
#pragma omp simd
    for (std::int64_t d = h; d < Dh; ++d) y[d] = x[d] * c[d] + x[d - h] * s[d];
}

template <typename T>
FLOWER_INLINE void rotaryRowBackwardT(const T* g, const T* c, const T* s, T* gx, std::int64_t Dh) {
    const std::int64_t h = Dh / 2;
#pragma omp simd
    for (std::int64_t d = 0; d < h; ++d) gx[d] = g[d] * c[d] + g[d + h] * s[d + h];
#pragma omp simd
    for (std::int64_t d = h; d < Dh; ++d) gx[d] = g[d] * c[d] + g[d - h] * s[d - h];
}

// Eight float lanes (GCC vector extension: one AVX register, two SSE registers by default).
typedef float Lanes8 __attribute__((vector_size(32)));

FLOWER_INLINE Lanes8 load8(const float* p) {
    Lanes8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

typedef int Ints8 __attribute__((vector_size(32)));

// [a0+a1, a2+a3, b0+b1, b2+b3, a4+a5, a6+a7, b4+b5, b6+b7] (AVX's hadd).
FLOWER_INLINE Lanes8 pairSums(Lanes8 a, Lanes8 b) {
    return __builtin_shuffle(a, b, Ints8{0, 2, 8, 10, 4, 6, 12, 14}) +
           __builtin_shuffle(a, b, Ints8{1, 3, 9, 11, 5, 7, 13, 15});
}

// The lane sums of eight vectors as one vector: 7 pairwise adds and 2 shuffles instead of
// eight separate horizontal sums (which cost a decoding linear with K = 256 a tenth).
FLOWER_INLINE Lanes8 sums8(const Lanes8* a) {
    const Lanes8 low = pairSums(pairSums(a[0], a[1]), pairSums(a[2], a[3]));   // sums of a0..a3, halves
    const Lanes8 high = pairSums(pairSums(a[4], a[5]), pairSums(a[6], a[7]));  // sums of a4..a7, halves
    return __builtin_shuffle(low, high, Ints8{0, 1, 2, 3, 8, 9, 10, 11}) +
           __builtin_shuffle(low, high, Ints8{4, 5, 6, 7, 12, 13, 14, 15});
}

// Up to 8 rows of x against one weight row: the weight's lanes are loaded once per k-block and
// multiplied into Rows accumulators, which stay in registers.
// `ahead`: a weight row needed soon, fetched into the cache one line per 16 values read here.
// The weights stream from memory once per decoding step, and the hardware prefetcher alone
// leaves this loop waiting (measured: ~25% more GB/s with the hint, two rows ahead).
template <int Rows>
FLOWER_INLINE void dotRows(const float* x, std::int64_t K, const float* wj, const float* ahead, float* out) {
    Lanes8 acc[8] = {};  // rows past Rows stay zero
    std::int64_t k = 0;
    if constexpr (Rows <= 4) {
        // Few rows: even and odd k-blocks in separate accumulators, so that more FMAs are in
        // flight than one chain per row allows (their latency, not the loads, bounds M = 1).
        for (; k + 16 <= K; k += 16) {
            __builtin_prefetch(ahead + k, 0, 0);
            const Lanes8 w0 = load8(wj + k), w1 = load8(wj + k + 8);
            for (int m = 0; m < Rows; ++m) {
                acc[m] += w0 * load8(x + m * K + k);
                acc[4 + m] += w1 * load8(x + m * K + k + 8);
            }
        }
    }
    for (; k + 8 <= K; k += 8) {
        if ((k & 15) == 0) __builtin_prefetch(ahead + k, 0, 0);
        const Lanes8 wv = load8(wj + k);
        for (int m = 0; m < Rows; ++m) acc[m] += wv * load8(x + m * K + k);
    }
    const Lanes8 sums = sums8(acc);
    for (int m = 0; m < Rows; ++m) {
        float s = Rows <= 4 ? sums[m] + sums[4 + m] : sums[m];
        for (std::int64_t t = k; t < K; ++t) s += wj[t] * x[m * K + t];
        out[m] = s;
    }
}

}  // namespace

namespace {
std::atomic<bool> fastPaths{true};
}  // namespace

bool enabled() { return fastPaths.load(std::memory_order_relaxed); }
void setEnabled(bool on) { fastPaths.store(on, std::memory_order_relaxed); }

FLOWER_CLONES void linearFewRows(const float* x, std::int64_t M, std::int64_t K, const float* w,
                                 const float* b, float* y, std::int64_t ldy, std::int64_t jBegin,
                                 std::int64_t jEnd) {
    float dots[8];
    for (std::int64_t j = jBegin; j < jEnd; ++j) {
        const float* wj = w + j * K;
        const float* ahead = j + 2 < jEnd ? wj + 2 * K : wj;
        const float bias = b != nullptr ? b[j] : 0.0f;
        for (std::int64_t m0 = 0; m0 < M; m0 += 8) {
            const std::int64_t rows = M - m0 < 8 ? M - m0 : 8;
            const float* xm = x + m0 * K;
            switch (rows) {
                case 8: dotRows<8>(xm, K, wj, ahead, dots); break;
                case 7: dotRows<7>(xm, K, wj, ahead, dots); break;
                case 6: dotRows<6>(xm, K, wj, ahead, dots); break;
                case 5: dotRows<5>(xm, K, wj, ahead, dots); break;
                case 4: dotRows<4>(xm, K, wj, ahead, dots); break;
                case 3: dotRows<3>(xm, K, wj, ahead, dots); break;
                case 2: dotRows<2>(xm, K, wj, ahead, dots); break;
                default: dotRows<1>(xm, K, wj, ahead, dots); break;
            }
            for (std::int64_t m = 0; m < rows; ++m) y[(m0 + m) * ldy + j] = dots[m] + bias;
        }
    }
}

FLOWER_CLONES void attendOneQuery(const float* q, const float* k, const float* v, const float* bias,
                                  std::int64_t S, std::int64_t Dh, float scale, float* scratch, float* out) {
    float m = -std::numeric_limits<float>::infinity();
    for (std::int64_t s = 0; s < S; ++s) {
        float dot = 0;
#pragma omp simd reduction(+ : dot)
        for (std::int64_t d = 0; d < Dh; ++d) dot += q[d] * k[s * Dh + d];
        scratch[s] = dot * scale + bias[s];
        m = scratch[s] > m ? scratch[s] : m;
    }
    float total = 0;
#pragma omp simd reduction(+ : total)
    for (std::int64_t s = 0; s < S; ++s) {
        scratch[s] = expFast(scratch[s] - m);
        total += scratch[s];
    }
    for (std::int64_t d = 0; d < Dh; ++d) out[d] = 0;
    for (std::int64_t s = 0; s < S; ++s) {
        const float p = scratch[s] / total;
#pragma omp simd
        for (std::int64_t d = 0; d < Dh; ++d) out[d] += p * v[s * Dh + d];
    }
}

FLOWER_CLONES void rotaryRow(const float* x, const float* c, const float* s, float* y, std::int64_t Dh) {
    rotaryRowT(x, c, s, y, Dh);
}
void rotaryRow(const double* x, const double* c, const double* s, double* y, std::int64_t Dh) {
    rotaryRowT(x, c, s, y, Dh);
}
FLOWER_CLONES void rotaryRowBackward(const float* g, const float* c, const float* s, float* gx, std::int64_t Dh) {
    rotaryRowBackwardT(g, c, s, gx, Dh);
}
void rotaryRowBackward(const double* g, const double* c, const double* s, double* gx, std::int64_t Dh) {
    rotaryRowBackwardT(g, c, s, gx, Dh);
}

FLOWER_CLONES float logSumExp(const float* x, std::int64_t n) { return logSumExpT(x, n); }
double logSumExp(const double* x, std::int64_t n) { return logSumExpT(x, n); }

FLOWER_CLONES void scaledSoftmax(const float* x, float lse, float scale, float* out, std::int64_t n) {
    scaledSoftmaxT(x, lse, scale, out, n);
}
void scaledSoftmax(const double* x, double lse, double scale, double* out, std::int64_t n) {
    scaledSoftmaxT(x, lse, scale, out, n);
}

FLOWER_CLONES float rmsNormRow(const float* x, const float* w, float eps, float* y, std::int64_t n) {
    return rmsNormRowT(x, w, eps, y, n);
}
double rmsNormRow(const double* x, const double* w, double eps, double* y, std::int64_t n) {
    return rmsNormRowT(x, w, eps, y, n);
}

FLOWER_CLONES void rmsNormRowBackward(const float* x, const float* w, const float* g, float r,
                                      float* gx, float* gwAcc, std::int64_t n) {
    rmsNormRowBackwardT(x, w, g, r, gx, gwAcc, n);
}
void rmsNormRowBackward(const double* x, const double* w, const double* g, double r, double* gx,
                        double* gwAcc, std::int64_t n) {
    rmsNormRowBackwardT(x, w, g, r, gx, gwAcc, n);
}

FLOWER_CLONES void swigluRow(const float* gu, float* y, std::int64_t f) { swigluRowT(gu, y, f); }
void swigluRow(const double* gu, double* y, std::int64_t f) { swigluRowT(gu, y, f); }

FLOWER_CLONES void swigluRowBackward(const float* gu, const float* g, float* dgu, std::int64_t f) {
    swigluRowBackwardT(gu, g, dgu, f);
}
void swigluRowBackward(const double* gu, const double* g, double* dgu, std::int64_t f) {
    swigluRowBackwardT(gu, g, dgu, f);
}

}  // namespace flower::model::kernels
