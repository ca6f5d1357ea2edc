#include "core/model/cpu_kernels.h"

#include <cmath>
#include <cstring>
#include <limits>

// Built with -fopenmp-simd -fno-trapping-math (core/CMakeLists.txt): the `omp simd reduction`
// pragmas vectorise float sums and maxima, and the exp clamps become selects (no -ffast-math).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define FLOWER_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FLOWER_CLONES
#endif
#define FLOWER_INLINE [[gnu::always_inline]] inline

namespace flower::model::kernels {

namespace {

// exp for fp32 that the compiler can vectorise: Cephes' expf (range reduction by ln 2 in two
// parts, degree-6 polynomial, 2^n built in the exponent bits); relative error ~1e-7 over the
// clamped range. Below −87.34 it returns 2^−126 (≈1.2e−38) instead of a denormal or 0, which
// changes no softmax sum; NaN stays NaN through the polynomial.
FLOWER_INLINE float expFast(float x) {
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.37626f ? 88.37626f : x;
    // Round to nearest by the 1.5·2²³ trick: vectorises without SSE4.1's round instruction.
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float y = p * r * r + r + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}
FLOWER_INLINE double expFast(double x) { return std::exp(x); }

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

}  // namespace

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
