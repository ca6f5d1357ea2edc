// attention_kernels — the inner loops of fusedAttention (fused_attention.h): a small dense
// matrix product whose output columns come in panels, and the softmax of one attention row with
// its backward. No tensors, no threads: the caller splits (row, K/V head) blocks across threads
// and owns the memory.
//
// Why not BLAS: an attention block is a few 128 × 128 × 64 products. OpenBLAS would run each on
// its own threads (one OpenMP thread calling into a pthread BLAS from each of ours), and
// LibTorch 1.13's bmm calls it once per matrix with a select each and computes the masked half
// of causal attention too. These loops keep a 6 × 16 (fp32) block of the output in registers.
#pragma once

#include <cstdint>

namespace flower::model::kernels {

// Output columns of gemmPanels come in panels of this many values (two AVX registers).
template <typename T>
inline constexpr std::int64_t kPanel = 64 / static_cast<std::int64_t>(sizeof(T));

// C = A · B, or C += A · B when accumulate: A is M × K (row stride lda), B is K × N (ldb),
// C is M × N (ldc); N must be a multiple of kPanel<T>. K = 0 gives C = 0 (or leaves C as is).
void gemmPanels(std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
                const float* B, std::int64_t ldb, float* C, std::int64_t ldc, bool accumulate);
void gemmPanels(std::int64_t M, std::int64_t N, std::int64_t K, const double* A, std::int64_t lda,
                const double* B, std::int64_t ldb, double* C, std::int64_t ldc, bool accumulate);

// dst[c · ldd + r] = src[r · lds + c] for r < R, c < C.
void transpose(const float* src, std::int64_t R, std::int64_t C, std::int64_t lds, float* dst, std::int64_t ldd);
void transpose(const double* src, std::int64_t R, std::int64_t C, std::int64_t lds, double* dst, std::int64_t ldd);

// One attention row of n values holding raw q·k dot products in [c0, c1): replaces them by
// softmax_j(scale · row_j) over the keys j < S with allowed[j] (S entries) and writes 0 everywhere
// else, [c0, c1) outside included. A row with no allowed key becomes NaN, as the composite
// softmax over −inf scores does.
void attentionSoftmaxRow(float* row, const bool* allowed, std::int64_t S, std::int64_t c0, std::int64_t c1,
                         std::int64_t n, float scale);
void attentionSoftmaxRow(double* row, const bool* allowed, std::int64_t S, std::int64_t c0, std::int64_t c1,
                         std::int64_t n, double scale);

// Its backward over [c0, c1): dp holds dL/dp (the output gradient times the values) on entry and
// scale · p_j · (dp_j − Σ_k p_k dp_k) — dL/d(q·k_j) — on return; 0 outside [c0, c1), n values.
void attentionSoftmaxRowBackward(const float* p, float* dp, std::int64_t c0, std::int64_t c1, std::int64_t n,
                                 float scale);
void attentionSoftmaxRowBackward(const double* p, double* dp, std::int64_t c0, std::int64_t c1, std::int64_t n,
                                 double scale);

}  // namespace flower::model::kernels
