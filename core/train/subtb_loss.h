// modifiedSubTbLoss — Flower's modified subtrajectory-balance loss (paper §3.3, eq. 9–11; the
// reference's `modified_subtb_loss` in utils_logp_*.py), vectorised: all subtrajectories (i, j)
// at once through a [L, L] triangular weight matrix instead of a loop over their lengths.
//
// Per generated position t = 0..L-1 of a sampled title (title tokens, then the termination ⊤,
// then padding with ⊤):
//   logPF[t]    log P_F(token_t | prompt, tokens_<t)   (0 at and after the termination)
//   logPterm[t] log P_F(⊤ at t | prompt, tokens_<t)    (0 after the termination)
//   logR[t]     log reward of terminating at t (after t title tokens)
//   δ_t = logR_t + logPF_t + logPterm_{t+1} − logR_{t+1} − logPterm_t,   t = 0..L-2
//   L = Σ_b Σ_{0≤i<j≤c_b} λ^(j−i−1) (Σ_{t=i}^{j−1} δ_t)² / Σ_b Σ_{0≤i<j≤c_b} λ^(j−i−1)
// where c_b is the first termination position of row b among positions 0..L-2 (a subtrajectory
// (i, j) counts when no termination occurs at a position ≤ j−1; rows that never terminate count
// every j ≤ L−1), exactly the reference's masking.
//
// Values at positions after c_b never reach the loss or its gradient (masked before squaring),
// so they may be anything finite or not. Returns a 0-dim tensor in the inputs' dtype; when no
// subtrajectory counts (every row terminates at position 0) the loss is 0 with a zero gradient
// (the reference divides 0 by 0 and gets NaN). Failure: flower::Error for shapes that do not agree or L < 2.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace flower::train {

// logPF, logR, logPterm: [B, L] floating; generated: [B, L] int64 (generated tokens only, no
// prompt); terminationId: ⊤; subtbLambda: λ of the length weights λ^(len−1).
at::Tensor modifiedSubTbLoss(const at::Tensor& logPF, const at::Tensor& logR,
                             const at::Tensor& logPterm, const at::Tensor& generated,
                             std::int64_t terminationId, double subtbLambda = 1.0);

// The same with the termination mask given directly: terminated[b, t] true when row b has
// emitted ⊤ at a position ≤ t ([B, L] bool; only columns 0..L-2 are read).
at::Tensor modifiedSubTbLossMasked(const at::Tensor& logPF, const at::Tensor& logR,
                                   const at::Tensor& logPterm, const at::Tensor& terminated,
                                   double subtbLambda = 1.0);

}  // namespace flower::train
