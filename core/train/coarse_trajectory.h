// coarsenTrajectories — Flower at granularity n (paper §4.5.2; core/flow/coarse_flows.h): the
// per-token arrays of sampled titles turned into the arrays of the coarse trajectory that has a
// state every n tokens. Row b with title length c_b (the position of its termination ⊤) visits
// the token positions p_k = min(k·n, c_b), k = 0..⌈c_b / n⌉, then terminates:
//   logPF'[k]    = Σ_{t = p_k}^{p_{k+1}−1} logPF[t]   the chunk's probability (the last chunk may
//                                                     be shorter: a title ending mid-chunk)
//   logPterm'[k] = logPterm[p_k],  logR'[k] = logR[p_k]
//   terminated'[k] = p_k ≥ c_b (k·n ≥ c_b)
// so modifiedSubTbLossMasked of the coarse arrays balances flows only between coarse states. The
// log rewards telescope: a chunk's process reward is the sum of its tokens' (the flow ratio of
// its end and start), so only the termination terms and the −15 of incomplete prefixes are read
// at fewer positions. n = 1 gives the token arrays back (terminated[t] = t ≥ c_b).
// Values at token positions ≥ c_b never reach the coarse arrays, except logPterm/logR at c_b.
// Failure: flower::Error for n < 1 or shapes that do not agree.
#pragma once

#include <ATen/core/Tensor.h>

namespace flower::train {

struct CoarseTrajectories {
    at::Tensor logPF;       // [B, K] chunk log P_F (0 at and after the termination)
    at::Tensor logR;        // [B, K] log reward of terminating at coarse state k
    at::Tensor logPterm;    // [B, K] log P_F(⊤) at coarse state k
    at::Tensor terminated;  // [B, K] bool: coarse state k is at or after the termination
};

// logPF, logR, logPterm: [B, L] (L ≥ 2); lengths: [B] int64, c_b ≤ L − 1; n ≥ 1.
// K = ⌈(L − 1) / n⌉ + 1 ≥ 2 columns.
CoarseTrajectories coarsenTrajectories(const at::Tensor& logPF, const at::Tensor& logR,
                                       const at::Tensor& logPterm, const at::Tensor& lengths, int n);

}  // namespace flower::train
