// StringPool: interns strings (reviewer ids, asins) as dense ids 0..n-1 in order of first
// insertion. The characters live in one growing buffer and the index is an open-addressing
// table of (hash, id) pairs, ~30 bytes per string plus its characters — a third of what an
// unordered_map<std::string, id> costs, which matters for millions of reviewer ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace flower::prepare {

class StringPool {
public:
    static constexpr std::uint32_t kNone = 0xFFFFFFFFU;

    // The id of `s`, inserting it when new.
    std::uint32_t intern(std::string_view s);
    // The id of `s`, or kNone.
    std::uint32_t find(std::string_view s) const;
    std::string_view at(std::uint32_t id) const {
        return std::string_view(chars_.data() + starts_[id], starts_[id + 1] - starts_[id]);
    }
    std::size_t size() const { return starts_.size() - 1; }
    std::size_t memoryBytes() const;

private:
    void grow();
    std::vector<char> chars_;
    std::vector<std::uint64_t> starts_{0};
    std::vector<std::uint64_t> slots_;  // (hash high 32 bits << 32) | (id + 1); 0 = empty
};

}  // namespace flower::prepare
