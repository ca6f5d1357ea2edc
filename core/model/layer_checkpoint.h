// Gradient checkpointing of one Qwen2 decoder layer: the layer runs forward without recording a
// graph, keeps only its input (plus the shared rotary angles and mask), and recomputes its
// forward with grad enabled when the backward reaches it. Activation memory of a training step
// then holds one [B, T, D] tensor per layer plus the full activations of ONE layer at a time,
// instead of every intermediate of every layer (≈ 15–20 [B, T, D]-sized tensors and the
// [B, H, T, T] attention probabilities per layer), for about one extra forward of the layers
// (≈ +30% step time). Worth it when activations, not weights, fill the memory: long sequences
// or large batches on a GPU (Qwen2.5-1.5B at 8 × 512 tokens); not on the tiny CPU presets.
//
// Exact: Qwen2 has no dropout and the layer's forward is a pure function of its input, its
// parameters and the context, so the recomputation reproduces the forward (same kernels, same
// shapes) and parameter gradients equal those of the plain path. Parameters are inputs of the
// autograd node, so their gradients flow through the ordinary graph (accumulated into .grad by
// backward(), returned by torch::autograd::grad()), also when the layer input needs no grad.
// The layer module is kept alive by the graph until the backward has run or the graph is freed.
#pragma once

#include "core/model/qwen2_attention.h"
#include "core/model/qwen2_decoder_layer.h"

namespace flower::model {

// x: [B, T, D] → [B, T, D], the same function as layer->forward(x, context) without a cache.
// Callers use it only in grad mode; without a cache (the cache would be filled twice).
torch::Tensor checkpointedLayerForward(const Qwen2DecoderLayer& layer, const torch::Tensor& x,
                                       const AttentionContext& context);

}  // namespace flower::model
