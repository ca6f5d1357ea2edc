#include "core/text/token_index.h"

#include <functional>

namespace flower::text {

namespace {
std::uint64_t hashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }
}  // namespace

bool TokenIndex::build(const std::vector<std::string>& tokens, const std::vector<bool>& present) {
    std::size_t count = 0;
    for (std::size_t id = 0; id < tokens.size(); ++id) count += present[id] ? 1 : 0;
    std::size_t capacity = 16;
    while (capacity < 2 * count) capacity *= 2;  // load factor ≤ 1/2: short probe runs
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (std::size_t id = 0; id < tokens.size(); ++id) {
        if (!present[id]) continue;
        const std::uint64_t h = hashOf(tokens[id]);
        const auto fragment = static_cast<std::uint32_t>(h >> 32);
        std::size_t i = h & mask_;
        for (; slots_[i].id >= 0; i = (i + 1) & mask_) {
            if (slots_[i].fragment == fragment && tokens[slots_[i].id] == tokens[id]) return false;
        }
        slots_[i] = Slot{fragment, static_cast<TokenId>(id)};
    }
    return true;
}

std::optional<TokenId> TokenIndex::find(std::string_view token,
                                        const std::vector<std::string>& tokens) const {
    if (slots_.empty()) return std::nullopt;
    const std::uint64_t h = hashOf(token);
    const auto fragment = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_; slots_[i].id >= 0; i = (i + 1) & mask_) {
        if (slots_[i].fragment == fragment && tokens[slots_[i].id] == token) return slots_[i].id;
    }
    return std::nullopt;
}

}  // namespace flower::text
