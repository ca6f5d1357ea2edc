// decodeStep — one decoding step through every decoder layer on the CPU in fp32 without
// gradients: one new token per row, whose keys/values go straight into the KvCache's reserved
// room. Qwen2Model::forward takes this path when decodeStepApplies; everything else runs the
// layers' modules.
//
// Why: at decoding sizes (a few rows, d = 256) a layer's arithmetic is ~1 M multiply-adds, while
// the module path issues ~80 ATen ops and 8 OpenMP wake-ups per layer — a Flower rollout spent
// more time dispatching than computing. Here a step is one OpenMP region: the threads split each
// phase (q/k/v + rotary + cache write by heads, attention by (row, head), o_proj, gate/up +
// SwiGLU and down_proj by output columns) and meet at spin barriers between phases; RMSNorm is
// recomputed by every thread (n × d values) instead of costing a barrier. The loops are the same
// kernels as the module path (cpu_kernels.h), so results agree to fp32 rounding.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace flower::model {

class KvCache;
class Qwen2DecoderLayerImpl;
struct Qwen2Config;

// On by default; off, decoding steps run the layers' modules (A/B measurements and tests).
bool decodeStepEnabled();
void setDecodeStepEnabled(bool on);

// Whether decodeStep can run this forward: enabled, fast paths on (kernels::enabled), no gradient
// recorded, one new token per row, all of them real (mask 1), at most kDecodeStepMaxRows rows, a
// cache with room for it in every layer, and CPU fp32 contiguous parameters.
// The row limit: decodeStep's products are kernels::linearFewRows, made for a few rows; beam
// search over many prompts steps 160+ rows, where OpenBLAS's GEMMs through the layers' modules
// were 1.7–2.4× faster (bench_decode --no-decode-step, 16 prompts × 10 beams, session 9).
inline constexpr std::int64_t kDecodeStepMaxRows = 32;
bool decodeStepApplies(const std::vector<const Qwen2DecoderLayerImpl*>& layers, const at::Tensor& hidden,
                       const at::Tensor& newMask, const KvCache* cache);

// hidden: [n, D] embeddings of the new tokens; cos/sin: [n, Dh] rotary angles of their positions
// (sin with rotate_half's sign folded in, rotaryCosSin); keyBias: [n, S + 1] 0 / −inf over the
// cached keys plus the new one (the cache's mask after appendMask). Writes the new keys/values
// at position S of every layer, grows the cache by one token and returns the last layer's
// output [n, D] (before the final norm).
at::Tensor decodeStep(const std::vector<const Qwen2DecoderLayerImpl*>& layers, const Qwen2Config& config,
                      const at::Tensor& hidden, const at::Tensor& cos, const at::Tensor& sin,
                      const at::Tensor& keyBias, KvCache& cache);

}  // namespace flower::model
