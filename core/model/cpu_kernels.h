// cpu_kernels — the inner loops of the fused CPU operations (rms_norm.cpp, swiglu.cpp,
// token_log_probs.cpp) over contiguous rows of fp32 or fp64 values. No tensors, no threads: the
// callers split rows across ATen's threads and own the memory.
//
// Why they exist: LibTorch 1.13 runs RMSNorm, SwiGLU and log-softmax + gather as 5–10 separate
// ops each (forward and backward), every one a full pass over memory and an OpenMP wake-up. One
// pass per direction makes the tiny preset's training step measurably faster (bench_model).
//
// fp32 loops are compiled for x86-64-v3 (AVX2, FMA) and the baseline (GCC target_clones, chosen at
// load time), with an exp of ~1 ulp (Cephes' expf polynomial) that vectorises; fp64 loops use
// std::exp and serve the gradient checks.
#pragma once

#include <cstdint>

namespace flower::model::kernels {

// Whether the tensor-level fast paths (tokenLogProbs, swiglu, RMSNorm, applyLinear,
// fewQueryAttention) use these loops; on by default. Off, each computes its composite LibTorch
// form: for benchmarks that measure both in one run (bench_model, bench_objectives).
bool enabled();
void setEnabled(bool on);

// log Σ_j exp(x_j) over one row of n values (max-shifted). NaN anywhere gives NaN.
float logSumExp(const float* x, std::int64_t n);
double logSumExp(const double* x, std::int64_t n);

// out_j = −scale · exp(x_j − lse): the softmax part of the log-softmax backward.
void scaledSoftmax(const float* x, float lse, float scale, float* out, std::int64_t n);
void scaledSoftmax(const double* x, double lse, double scale, double* out, std::int64_t n);

// RMSNorm of one row: returns r = 1/sqrt(mean(x²) + eps) and writes y_j = w_j · x_j · r.
float rmsNormRow(const float* x, const float* w, float eps, float* y, std::int64_t n);
double rmsNormRow(const double* x, const double* w, double eps, double* y, std::int64_t n);

// Backward of one RMSNorm row (r from the forward, g the output gradient):
// gx_j = r · (w_j g_j − x_j r² · Σ_k w_k g_k x_k / n);  gwAcc_j += g_j x_j r.
void rmsNormRowBackward(const float* x, const float* w, const float* g, float r, float* gx,
                        float* gwAcc, std::int64_t n);
void rmsNormRowBackward(const double* x, const double* w, const double* g, double r, double* gx,
                        double* gwAcc, std::int64_t n);

// SwiGLU of one row of [gate | up] (2f values): y_j = silu(gate_j) · up_j.
void swigluRow(const float* gu, float* y, std::int64_t f);
void swigluRow(const double* gu, double* y, std::int64_t f);

// Its backward: writes [d gate | d up] (2f values) for the output gradient g (f values).
void swigluRowBackward(const float* gu, const float* g, float* dgu, std::int64_t f);
void swigluRowBackward(const double* gu, const double* g, double* dgu, std::int64_t f);

// Rotary embedding of one head row (Dh values, Dh even), h = Dh/2, s the signed sin:
// y_d = x_d c_d + x_{(d+h) mod Dh} s_d; its backward gx_d = g_d c_d + g_{(d+h) mod Dh} s_{(d+h) mod Dh}.
void rotaryRow(const float* x, const float* c, const float* s, float* y, std::int64_t Dh);
void rotaryRow(const double* x, const double* c, const double* s, double* y, std::int64_t Dh);
void rotaryRowBackward(const float* g, const float* c, const float* s, float* gx, std::int64_t Dh);
void rotaryRowBackward(const double* g, const double* c, const double* s, double* gx, std::int64_t Dh);

// y[m·ldy + j] = b_j + Σ_k x[m·K + k] · w[j·K + k] for m < M, j in [jBegin, jEnd): a linear
// layer for a few rows (decoding), reading each weight row once for all M rows. b may be null.
void linearFewRows(const float* x, std::int64_t M, std::int64_t K, const float* w, const float* b,
                   float* y, std::int64_t ldy, std::int64_t jBegin, std::int64_t jEnd);

// Attention of one query over S keys: out = Σ_s softmax_s(scale · q·k_s + bias_s) · v_s, keys and
// values rows of Dh contiguous values (row s at k + s·Dh). bias: S additive values (0 or −inf),
// at least one finite. scratch: S floats.
void attendOneQuery(const float* q, const float* k, const float* v, const float* bias, std::int64_t S,
                    std::int64_t Dh, float scale, float* scratch, float* out);

}  // namespace flower::model::kernels
