#include "core/model/kv_cache.h"

#include <torch/torch.h>

namespace flower::model {

KvCache::KvCache(std::int64_t numLayers)
    : keys_(static_cast<std::size_t>(numLayers)), values_(static_cast<std::size_t>(numLayers)) {}

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
        if (keys_[l].defined()) {
            keys_[l] = keys_[l].index_select(0, index);
            values_[l] = values_[l].index_select(0, index);
        }
    }
}

void KvCache::clear() {
    for (std::size_t l = 0; l < keys_.size(); ++l) {
        keys_[l] = at::Tensor();
        values_[l] = at::Tensor();
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
