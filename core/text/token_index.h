// TokenIndex: token string → id over a vocabulary's own id → string table, by open addressing.
// It stores no strings (each slot is a hash fragment and an id; the string is the table's), so
// building it for Qwen's 151k tokens is one pass over a flat array rather than 151k node
// allocations — the node-based std::unordered_map was most of the tokenizer's load time, which
// is most of `flower tokenize`'s start-up (app/launcher/README.md).
// The table passed to find() must be the one the index was built over (same contents); it is
// passed in, not kept, so that the owner can move both freely.
#pragma once

#include "core/text/token_id.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flower::text {

class TokenIndex {
public:
    // Indexes every id whose `present` flag is set, under the string tokens[id]. Returns false
    // (the index is then incomplete) when two present ids hold the same string.
    bool build(const std::vector<std::string>& tokens, const std::vector<bool>& present);

    std::optional<TokenId> find(std::string_view token, const std::vector<std::string>& tokens) const;

private:
    struct Slot {
        std::uint32_t fragment = 0;  // the hash's high bits: most mismatches skip the string
        TokenId id = -1;             // -1: empty
    };
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
};

}  // namespace flower::text
