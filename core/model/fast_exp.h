// fast_exp.h — what the fused CPU loops share (cpu_kernels.cpp, attention_kernels.cpp): the
// function-cloning macro and an fp32 exp the compiler can vectorise. Include only from files built
// with the kernel flags (core/CMakeLists.txt): -fopenmp-simd, -fno-trapping-math.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

// fp32 loops are compiled for x86-64-v3 (AVX2, FMA) and the baseline, chosen at load time.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define FLOWER_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FLOWER_CLONES
#endif
#define FLOWER_INLINE [[gnu::always_inline]] inline

namespace flower::model::kernels {

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

}  // namespace flower::model::kernels
