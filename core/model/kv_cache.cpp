#include "core/model/kv_cache.h"

#include <torch/torch.h>

namespace flower::model {

KvCache::KvCache(std::int64_t numLayers)
    : keys_(static_cast<std::size_t>(numLayers)),
      values_(static_cast<std::size_t>(numLayers)),
      keyRoom_(static_cast<std::size_t>(numLayers)),
      valueRoom_(static_cast<std::size_t>(numLayers)) {}

KvCache::KvCache(const KvCache& other)
    : keys_(other.keys_),
      values_(other.values_),
      keyRoom_(other.keys_.size()),
      valueRoom_(other.values_.size()),
      mask_(other.mask_) {}

KvCache& KvCache::operator=(const KvCache& other) {
    return *this = KvCache(other);  // the copy constructor decides what is shared
}

void KvCache::reserve(std::int64_t extra) {
    TORCH_CHECK(extra >= 0, "KvCache::reserve: negative room ", extra);
    torch::NoGradGuard noGrad;  // the buffers hold values only; the graph keeps its own tensors
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        if (!keys_[l].defined()) continue;
        const at::Tensor& k = keys_[l];  // [B, Hkv, S, Dh]
        const std::int64_t S = k.size(2);
        keyRoom_[l] = at::empty({k.size(0), k.size(1), S + extra, k.size(3)}, k.options());
        valueRoom_[l] = at::empty_like(keyRoom_[l]);
        keyRoom_[l].narrow(2, 0, S).copy_(k);
        valueRoom_[l].narrow(2, 0, S).copy_(values_[l]);
        keys_[l] = keyRoom_[l].narrow(2, 0, S);
        values_[l] = valueRoom_[l].narrow(2, 0, S);
    }
}

bool KvCache::hasRoom(std::int64_t tokens) const {
    if (keys_.empty() || torch::GradMode::is_enabled()) return false;
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        if (!keys_[l].defined() || !keyRoom_[l].defined() || keyRoom_[l].size(0) != keys_[l].size(0) ||
            keys_[l].size(2) + tokens > keyRoom_[l].size(2)) {
            return false;
        }
    }
    return true;
}

std::pair<at::Tensor, at::Tensor> KvCache::room(std::int64_t layer) const {
    TORCH_CHECK(layer >= 0 && layer < static_cast<std::int64_t>(keys_.size()), "KvCache: layer ", layer,
                " out of range");
    return {keyRoom_[static_cast<std::size_t>(layer)], valueRoom_[static_cast<std::size_t>(layer)]};
}

std::pair<at::Tensor, at::Tensor> KvCache::keysValues(std::int64_t layer) const {
    TORCH_CHECK(layer >= 0 && layer < static_cast<std::int64_t>(keys_.size()), "KvCache: layer ", layer,
                " out of range");
    return {keys_[static_cast<std::size_t>(layer)], values_[static_cast<std::size_t>(layer)]};
}

void KvCache::grow(std::int64_t tokens) {
    TORCH_CHECK(hasRoom(tokens), "KvCache::grow: no room for ", tokens, " more tokens");
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        const std::int64_t S = keys_[l].size(2) + tokens;
        keys_[l] = keyRoom_[l].narrow(2, 0, S);
        values_[l] = valueRoom_[l].narrow(2, 0, S);
    }
}

std::int64_t KvCache::length() const { return mask_.defined() ? mask_.size(1) : 0; }
std::int64_t KvCache::batchSize() const { return mask_.defined() ? mask_.size(0) : 0; }

void KvCache::reorder(const at::Tensor& rows) {
    if (!mask_.defined()) {
        return;
    }
    const torch::Tensor index = rows.to(mask_.device(), torch::kLong);
    TORCH_CHECK(index.dim() == 1, "KvCache::reorder: rows must be 1-D");
    mask_ = mask_.index_select(0, index);
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        if (keyRoom_[l].defined() && !torch::GradMode::is_enabled()) {
            // Reordered with their room: a new buffer, still owned by this cache alone.
            const std::int64_t S = keys_[l].size(2);
            keyRoom_[l] = keyRoom_[l].index_select(0, index);
            valueRoom_[l] = valueRoom_[l].index_select(0, index);
            keys_[l] = keyRoom_[l].narrow(2, 0, S);
            values_[l] = valueRoom_[l].narrow(2, 0, S);
        } else if (keys_[l].defined()) {
            keyRoom_[l] = at::Tensor();
            valueRoom_[l] = at::Tensor();
            keys_[l] = keys_[l].index_select(0, index);
            values_[l] = values_[l].index_select(0, index);
        }
    }
}

void KvCache::reorderFrom(const at::Tensor& rows, std::int64_t from) {
    const std::int64_t S = length();
    bool inPlace = mask_.defined() && rows.dim() == 1 && rows.size(0) == batchSize() && from >= 0 && from <= S &&
                   !torch::GradMode::is_enabled();
    for (std::size_t l = 0; inPlace && l < keys_.size(); ++l) inPlace = keyRoom_[l].defined();
    if (!inPlace) {
        reorder(rows);
        return;
    }
    if (from == S) return;
    const torch::Tensor index = rows.to(mask_.device(), torch::kLong);
    // The mask may be shared with a copy of this cache: a new tensor, not an in-place write.
    mask_ = torch::cat({mask_.narrow(1, 0, from), mask_.narrow(1, from, S - from).index_select(0, index)}, 1);
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        // The room belongs to this cache alone (a copy never shares it).
        for (at::Tensor* room : {&keyRoom_[l], &valueRoom_[l]}) {
            at::Tensor tail = room->narrow(2, from, S - from);  // [B, Hkv, S - from, Dh]
            tail.copy_(tail.index_select(0, index));
        }
    }
}

void KvCache::clear() {
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        keys_[l] = at::Tensor();
        values_[l] = at::Tensor();
        keyRoom_[l] = at::Tensor();
        valueRoom_[l] = at::Tensor();
    }
    mask_ = at::Tensor();
}

at::Tensor KvCache::appendMask(const at::Tensor& newMask) {
    const torch::Tensor m = newMask.to(torch::kLong);  // [B, T]
    if (mask_.defined()) {
        TORCH_CHECK(m.size(0) == mask_.size(0), "KvCache: batch size ", m.size(0),
                    " differs from the cached ", mask_.size(0), " rows");
        mask_ = torch::cat({mask_, m}, 1);
    } else {
        mask_ = m;
    }
    return mask_;
}

std::pair<at::Tensor, at::Tensor> KvCache::append(std::int64_t layer, const at::Tensor& keys,
                                                  const at::Tensor& values) {
    TORCH_CHECK(layer >= 0 && layer < static_cast<std::int64_t>(keys_.size()),
                "KvCache: layer ", layer, " out of range");
    auto& k = keys_[static_cast<std::size_t>(layer)];
    auto& v = values_[static_cast<std::size_t>(layer)];
    auto& kRoom = keyRoom_[static_cast<std::size_t>(layer)];
    auto& vRoom = valueRoom_[static_cast<std::size_t>(layer)];
    const bool recording = torch::GradMode::is_enabled() && (keys.requires_grad() || values.requires_grad());
    if (k.defined() && kRoom.defined() && !recording && kRoom.size(0) == keys.size(0) &&
        k.size(2) + keys.size(2) <= kRoom.size(2)) {
        const std::int64_t S = k.size(2), T = keys.size(2);
        kRoom.narrow(2, S, T).copy_(keys);  // beyond every view handed out so far
        vRoom.narrow(2, S, T).copy_(values);
        k = kRoom.narrow(2, 0, S + T);      // [B, Hkv, S+T, Dh]
        v = vRoom.narrow(2, 0, S + T);
        return {k, v};
    }
    kRoom = at::Tensor();
    vRoom = at::Tensor();
    if (k.defined()) {
        k = torch::cat({k, keys}, 2);    // [B, Hkv, S+T, Dh]
        v = torch::cat({v, values}, 2);
    } else {
        k = keys;
        v = values;
    }
    return {k, v};
}

}  // namespace flower::model
