#include "core/model/attention_kernels.h"

#include "core/model/fast_exp.h"

#include <algorithm>
#include <limits>

// Built with the kernel flags and -ffp-contract=fast (core/CMakeLists.txt): the tile's
// multiply-adds become FMA instructions in the x86-64-v3 clone.

namespace flower::model::kernels {

namespace {

// One 32-byte register of T (GCC vector extension: AVX in the x86-64-v3 clone, two SSE registers
// in the baseline one).
template <typename T>
struct Lanes;
template <>
struct Lanes<float> {
    typedef float V __attribute__((vector_size(32)));
};
template <>
struct Lanes<double> {
    typedef double V __attribute__((vector_size(32)));
};

template <typename V, typename T>
FLOWER_INLINE V loadLanes(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <typename V, typename T>
FLOWER_INLINE void storeLanes(T* p, V v) {
    std::memcpy(p, &v, sizeof v);
}

// MR rows × one panel (2 registers) of C, kept in 2·MR registers over the whole K loop; per k one
// panel row of B is loaded and each of the MR values of A is broadcast against it.
template <typename T, int MR>
FLOWER_INLINE void tile(std::int64_t K, const T* A, std::int64_t lda, const T* B, std::int64_t ldb, T* C,
                        std::int64_t ldc, bool accumulate) {
    using V = typename Lanes<T>::V;
    constexpr int W = sizeof(V) / sizeof(T);
    V left[MR], right[MR];
    for (int r = 0; r < MR; ++r) {
        left[r] = accumulate ? loadLanes<V>(C + r * ldc) : V{};
        right[r] = accumulate ? loadLanes<V>(C + r * ldc + W) : V{};
    }
    for (std::int64_t k = 0; k < K; ++k) {
        const V b0 = loadLanes<V>(B + k * ldb), b1 = loadLanes<V>(B + k * ldb + W);
        for (int r = 0; r < MR; ++r) {
            const V a = V{} + A[r * lda + k];  // broadcast
            left[r] += a * b0;
            right[r] += a * b1;
        }
    }
    for (int r = 0; r < MR; ++r) {
        storeLanes(C + r * ldc, left[r]);
        storeLanes(C + r * ldc + W, right[r]);
    }
}

template <typename T>
FLOWER_INLINE void gemmPanelsT(std::int64_t M, std::int64_t N, std::int64_t K, const T* A, std::int64_t lda,
                               const T* B, std::int64_t ldb, T* C, std::int64_t ldc, bool accumulate) {
    constexpr std::int64_t rows = 6;
    for (std::int64_t i = 0; i < M; i += rows) {
        const T* a = A + i * lda;
        T* c = C + i * ldc;
        for (std::int64_t j = 0; j < N; j += kPanel<T>) {
            switch (std::min(rows, M - i)) {
                case 6: tile<T, 6>(K, a, lda, B + j, ldb, c + j, ldc, accumulate); break;
                case 5: tile<T, 5>(K, a, lda, B + j, ldb, c + j, ldc, accumulate); break;
                case 4: tile<T, 4>(K, a, lda, B + j, ldb, c + j, ldc, accumulate); break;
                case 3: tile<T, 3>(K, a, lda, B + j, ldb, c + j, ldc, accumulate); break;
                case 2: tile<T, 2>(K, a, lda, B + j, ldb, c + j, ldc, accumulate); break;
                default: tile<T, 1>(K, a, lda, B + j, ldb, c + j, ldc, accumulate); break;
            }
        }
    }
}

template <typename T>
FLOWER_INLINE void transposeT(const T* src, std::int64_t R, std::int64_t C, std::int64_t lds, T* dst,
                              std::int64_t ldd) {
    for (std::int64_t c = 0; c < C; ++c) {
        for (std::int64_t r = 0; r < R; ++r) dst[c * ldd + r] = src[r * lds + c];
    }
}

template <typename T>
FLOWER_INLINE void softmaxRowT(T* row, const bool* allowed, std::int64_t S, std::int64_t c0, std::int64_t c1,
                               std::int64_t n, T scale) {
    const std::int64_t e = std::min(c1, S);
    constexpr T none = -std::numeric_limits<T>::infinity();
    T m = none;
    for (std::int64_t j = c0; j < e; ++j) {
        const T x = allowed[j] ? row[j] * scale : none;
        row[j] = x;
        m = x > m ? x : m;
    }
    if (!(m > none)) {  // no allowed key (or every score NaN): NaN, like the composite softmax
        std::fill(row, row + n, std::numeric_limits<T>::quiet_NaN());
        return;
    }
    T total = 0;
#pragma omp simd reduction(+ : total)
    for (std::int64_t j = c0; j < e; ++j) {
        const T p = allowed[j] ? expFast(row[j] - m) : T(0);  // expFast(−inf) is not 0
        row[j] = p;
        total += p;
    }
    const T inverse = T(1) / total;
#pragma omp simd
    for (std::int64_t j = c0; j < e; ++j) row[j] *= inverse;
    std::fill(row, row + c0, T(0));
    std::fill(row + e, row + n, T(0));
}

template <typename T>
FLOWER_INLINE void softmaxRowBackwardT(const T* p, T* dp, std::int64_t c0, std::int64_t c1, std::int64_t n,
                                       T scale) {
    T dot = 0;
#pragma omp simd reduction(+ : dot)
    for (std::int64_t j = c0; j < c1; ++j) dot += p[j] * dp[j];
#pragma omp simd
    for (std::int64_t j = c0; j < c1; ++j) dp[j] = scale * p[j] * (dp[j] - dot);
    std::fill(dp, dp + c0, T(0));
    std::fill(dp + c1, dp + n, T(0));
}

}  // namespace

FLOWER_CLONES void gemmPanels(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
                              const float* B, std::int64_t ldb, float* C, std::int64_t ldc, bool accumulate) {
    gemmPanelsT(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}
FLOWER_CLONES void gemmPanels(std::int64_t M, std::int64_t N, std::int64_t K, const double* A, std::int64_t lda,
                              const double* B, std::int64_t ldb, double* C, std::int64_t ldc, bool accumulate) {
    gemmPanelsT(M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void transpose(const float* src, std::int64_t R, std::int64_t C, std::int64_t lds, float* dst, std::int64_t ldd) {
    transposeT(src, R, C, lds, dst, ldd);
}
void transpose(const double* src, std::int64_t R, std::int64_t C, std::int64_t lds, double* dst, std::int64_t ldd) {
    transposeT(src, R, C, lds, dst, ldd);
}

FLOWER_CLONES void attentionSoftmaxRow(float* row, const bool* allowed, std::int64_t S, std::int64_t c0,
                                       std::int64_t c1, std::int64_t n, float scale) {
    softmaxRowT(row, allowed, S, c0, c1, n, scale);
}
void attentionSoftmaxRow(double* row, const bool* allowed, std::int64_t S, std::int64_t c0, std::int64_t c1,
                         std::int64_t n, double scale) {
    softmaxRowT(row, allowed, S, c0, c1, n, scale);
}

FLOWER_CLONES void attentionSoftmaxRowBackward(const float* p, float* dp, std::int64_t c0, std::int64_t c1,
                                               std::int64_t n, float scale) {
    softmaxRowBackwardT(p, dp, c0, c1, n, scale);
}
void attentionSoftmaxRowBackward(const double* p, double* dp, std::int64_t c0, std::int64_t c1, std::int64_t n,
                                 double scale) {
    softmaxRowBackwardT(p, dp, c0, c1, n, scale);
}

}  // namespace flower::model::kernels
