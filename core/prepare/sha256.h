// SHA-256 (FIPS 180-4), incremental: prepare.json records the digest of every input file so a
// dataset can be traced to the exact dumps it came from. Fed with the bytes as they are read.
// On x86-64 CPUs with the SHA extensions the blocks go through them (~1.5 GB/s instead of
// ~0.3 GB/s portable — a plain 3 GB dump would otherwise spend seconds hashing).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace flower::prepare {

class Sha256 {
public:
    // `allowHardware` false forces the portable code (tests compare the two).
    explicit Sha256(bool allowHardware = true);
    // Whether this CPU has the SHA extensions (and so the default object uses them).
    static bool hardwareAvailable();
    void update(const void* data, std::size_t size);
    // Lower-case hex digest; the object must not be updated afterwards.
    std::string hexDigest();

private:
    void blocks(const unsigned char* p, std::size_t count);
    void block(const unsigned char* p);
    bool hardware_ = false;
    std::array<std::uint32_t, 8> h_{};
    std::array<unsigned char, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;
};

}  // namespace flower::prepare
