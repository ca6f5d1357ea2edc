// KvCache — the keys and values of every layer for the tokens a Qwen2 model has already seen,
// plus their attention mask, so that decoding feeds only the new tokens. Rows are sequences:
// reorder() selects (and may repeat) rows, which is how beam search keeps, drops and forks
// beams. Tensors live on the model's device and dtype. Owned by the caller of the forward
// (one cache per decoding run); the model only appends to it.
//
//   KvCache cache(config.numHiddenLayers);
//   auto logits = model->forward(prompt, promptMask, &cache);     // [B, T, V]
//   logits = model->forward(next, torch::ones({B, 1}), &cache);    // [B, 1, V]
//   cache.reorder(torch::tensor({0, 0, 2}));                       // beams 0, 0 (forked), 2
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace flower::model {

class KvCache {
public:
    explicit KvCache(std::int64_t numLayers);
    // A copy shares the tensors seen so far but never the room made by reserve(): only the
    // cache that reserved writes into it, so copies cannot overwrite each other's tokens.
    KvCache(const KvCache& other);
    KvCache& operator=(const KvCache& other);
    KvCache(KvCache&&) = default;
    KvCache& operator=(KvCache&&) = default;

    // Tokens seen so far (S), and rows (B); 0 before the first forward.
    std::int64_t length() const;
    std::int64_t batchSize() const;
    bool empty() const { return length() == 0; }
    // [B, S] int64 mask of the tokens seen so far (1 = real token, 0 = padding).
    const at::Tensor& mask() const { return mask_; }

    // Keeps rows `rows` ([B'] int64, on any device; repeats allowed) of every tensor.
    void reorder(const at::Tensor& rows);
    // Beam search's cheaper reorder: `rows` has as many rows as the cache, and row i already
    // holds the keys/values of row rows[i] at every position before `from` (beams of one prompt
    // share its prompt), so only positions from `from` on are gathered — in place, in the room
    // of reserve(). Without room, with gradients recorded or with another row count it is
    // reorder(rows). Views of the keys/values handed out earlier — and copies of this cache
    // made since reserve(), which hold such views — see the new values.
    void reorderFrom(const at::Tensor& rows, std::int64_t from);
    void clear();
    // Room for `extra` more tokens in every layer: K/V move into buffers of S + extra positions
    // owned by this cache, and appends made without recording gradients write into them
    // instead of concatenating (a cat copies the whole cache of every layer at every decoding
    // step). Appends that record gradients, or that no longer fit, concatenate as before.
    void reserve(std::int64_t extra);

    // --- used by the model's forward -------------------------------------------------------
    // For kernels that write new keys/values themselves (decode_step.h): whether every layer
    // has reserved room for `tokens` more tokens of every row, no gradient being recorded; the
    // buffers [B, Hkv, capacity, Dh] of one layer, whose positions from its stored length on
    // are free; and, once written, grow() makes `tokens` more positions part of every layer.
    bool hasRoom(std::int64_t tokens) const;
    std::pair<at::Tensor, at::Tensor> room(std::int64_t layer) const;
    void grow(std::int64_t tokens);
    // The keys and values [B, Hkv, S, Dh] of one layer as stored (undefined before the first
    // forward); for readers that copy them elsewhere (grouped_decoder.h).
    std::pair<at::Tensor, at::Tensor> keysValues(std::int64_t layer) const;
    // Appends the new tokens' mask [B, T] and returns the full mask [B, S + T].
    at::Tensor appendMask(const at::Tensor& newMask);
    // Appends one layer's new keys/values [B, Hkv, T, Dh]; returns the full [B, Hkv, S+T, Dh].
    std::pair<at::Tensor, at::Tensor> append(std::int64_t layer, const at::Tensor& keys,
                                             const at::Tensor& values);

private:
    std::vector<at::Tensor> keys_;    // [B, Hkv, S, Dh] per layer (a view of the buffer if any)
    std::vector<at::Tensor> values_;
    std::vector<at::Tensor> keyRoom_;    // [B, Hkv, capacity, Dh] per layer, or undefined
    std::vector<at::Tensor> valueRoom_;
    at::Tensor mask_;
};

}  // namespace flower::model
