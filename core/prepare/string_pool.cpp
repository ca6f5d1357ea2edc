#include "core/prepare/string_pool.h"

#include <functional>

namespace flower::prepare {

namespace {
inline std::uint64_t hashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }
}  // namespace

std::uint32_t StringPool::find(std::string_view s) const {
    if (slots_.empty()) return kNone;
    const std::uint64_t h = hashOf(s);
    const std::uint64_t tag = h >> 32;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const std::uint64_t slot = slots_[i];
        if (slot == 0) return kNone;
        if ((slot >> 32) == tag) {
            const auto id = static_cast<std::uint32_t>((slot & 0xFFFFFFFFU) - 1);
            if (at(id) == s) return id;
        }
    }
}

std::uint32_t StringPool::intern(std::string_view s) {
    if ((size() + 1) * 4 >= slots_.size() * 3) grow();  // load ≤ 3/4
    const std::uint64_t h = hashOf(s);
    const std::uint64_t tag = h >> 32;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const std::uint64_t slot = slots_[i];
        if (slot == 0) {
            const auto id = static_cast<std::uint32_t>(size());
            chars_.insert(chars_.end(), s.begin(), s.end());
            starts_.push_back(chars_.size());
            slots_[i] = (tag << 32) | (std::uint64_t{id} + 1);
            return id;
        }
        if ((slot >> 32) == tag) {
            const auto id = static_cast<std::uint32_t>((slot & 0xFFFFFFFFU) - 1);
            if (at(id) == s) return id;
        }
    }
}

void StringPool::grow() {
    const std::size_t capacity = slots_.empty() ? 1024 : slots_.size() * 2;
    std::vector<std::uint64_t> fresh(capacity, 0);
    const std::size_t mask = capacity - 1;
    for (std::uint32_t id = 0; id < size(); ++id) {
        const std::uint64_t h = hashOf(at(id));
        std::size_t i = h & mask;
        while (fresh[i] != 0) i = (i + 1) & mask;
        fresh[i] = ((h >> 32) << 32) | (std::uint64_t{id} + 1);
    }
    slots_.swap(fresh);
}

std::size_t StringPool::memoryBytes() const {
    return chars_.capacity() + starts_.capacity() * sizeof(std::uint64_t) +
           slots_.capacity() * sizeof(std::uint64_t);
}

}  // namespace flower::prepare
