// SHA-256 (FIPS 180-4), incremental: prepare.json records the digest of every input file so a
// dataset can be traced to the exact dumps it came from. Fed with the bytes as they are read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace flower::prepare {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    // Lower-case hex digest; the object must not be updated afterwards.
    std::string hexDigest();

private:
    void block(const unsigned char* p);
    std::array<std::uint32_t, 8> h_{};
    std::array<unsigned char, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;
};

}  // namespace flower::prepare
