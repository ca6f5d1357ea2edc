// Gradient checkpointing of one Qwen2 decoder layer: the layer runs forward without recording a
// graph, keeps only its input (plus the rotary angles and mask all layers share), and
// recomputes its forward with grad enabled when the backward reaches it. A training step then
// holds one [B, T, D] tensor per layer plus the intermediates of ONE layer at a time, instead of
// the intermediates of every layer, for about one extra forward of the layers. Measured on the
// tiny preset at 8 × 128 tokens (bench_model): tensors saved by the forward 147 → 26 MiB (most
// of what is left is the head's logits), step peak 180 → 59 MiB, step time ×1.2–1.35 (shared
// machine). Worth it when activations, not weights, fill the memory: long sequences or large
// batches of a big model on a GPU (Qwen2.5-1.5B); not for the tiny CPU presets, where it only
// costs time.
//
// Exact: Qwen2 has no dropout and the layer's forward is a pure function of its input, its
// parameters and the context, so the recomputation reproduces the forward (same kernels, same
// shapes) and parameter gradients equal those of the plain path. Parameters are inputs of the
// autograd node, so their gradients flow through the ordinary graph (accumulated into .grad by
// backward(), returned by torch::autograd::grad()), also when the layer input needs no grad.
// The layer module is kept alive by the graph until the backward has run or the graph is freed.
// Not supported: double backward (create_graph=true) through a checkpointed layer — refused with
// a c10::Error in the backward.
#pragma once

#include "core/model/qwen2_attention.h"
#include "core/model/qwen2_decoder_layer.h"

namespace flower::model {

// x: [B, T, D] → [B, T, D], the same function as layer->forward(x, context) without a cache.
// Callers use it only in grad mode; without a cache (the cache would be filled twice).
torch::Tensor checkpointedLayerForward(const Qwen2DecoderLayer& layer, const torch::Tensor& x,
                                       const AttentionContext& context);

}  // namespace flower::model
