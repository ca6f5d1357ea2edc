#include "core/prepare/python_random.h"

namespace flower::prepare {

namespace {
constexpr std::size_t kN = 624;
constexpr std::size_t kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpper = 0x80000000U;
constexpr std::uint32_t kLower = 0x7fffffffU;
}  // namespace

PythonRandom::PythonRandom(std::uint64_t seed) {
    // CPython: key = the 32-bit words of |seed|, least significant first; seed 0 → key [0].
    std::vector<std::uint32_t> key;
    do {
        key.push_back(static_cast<std::uint32_t>(seed & 0xffffffffU));
        seed >>= 32;
    } while (seed != 0);
    initByArray(key);
}

void PythonRandom::initGenrand(std::uint32_t s) {
    mt_[0] = s;
    for (std::size_t i = 1; i < kN; ++i) {
        mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
    }
    index_ = kN;
}

void PythonRandom::initByArray(const std::vector<std::uint32_t>& key) {
    initGenrand(19650218U);
    std::size_t i = 1, j = 0;
    const std::size_t length = key.size();
    for (std::size_t k = kN > length ? kN : length; k > 0; --k) {
        mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] +
                 static_cast<std::uint32_t>(j);
        ++i;
        ++j;
        if (i >= kN) {
            mt_[0] = mt_[kN - 1];
            i = 1;
        }
        if (j >= length) j = 0;
    }
    for (std::size_t k = kN - 1; k > 0; --k) {
        mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) -
                 static_cast<std::uint32_t>(i);
        ++i;
        if (i >= kN) {
            mt_[0] = mt_[kN - 1];
            i = 1;
        }
    }
    mt_[0] = 0x80000000U;  // MSB is 1, assuring a non-zero initial array
    index_ = kN;
}

std::uint32_t PythonRandom::next32() {
    if (index_ >= kN) {
        std::size_t k = 0;
        for (; k < kN - kM; ++k) {
            const std::uint32_t y = (mt_[k] & kUpper) | (mt_[k + 1] & kLower);
            mt_[k] = mt_[k + kM] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
        }
        for (; k < kN - 1; ++k) {
            const std::uint32_t y = (mt_[k] & kUpper) | (mt_[k + 1] & kLower);
            mt_[k] = mt_[k + kM - kN] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
        }
        const std::uint32_t y = (mt_[kN - 1] & kUpper) | (mt_[0] & kLower);
        mt_[kN - 1] = mt_[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
        index_ = 0;
    }
    std::uint32_t y = mt_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

std::uint64_t PythonRandom::getrandbits(int k) {
    if (k <= 0) return 0;
    if (k <= 32) return next32() >> (32 - k);
    // CPython: words from the least significant; the last (most significant) word is cut.
    const std::uint64_t low = next32();
    const std::uint64_t high = next32() >> (64 - k);
    return low | (high << 32);
}

double PythonRandom::random() {
    const std::uint32_t a = next32() >> 5;
    const std::uint32_t b = next32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

std::uint64_t PythonRandom::randbelow(std::uint64_t n) {
    int k = 0;
    for (std::uint64_t v = n; v != 0; v >>= 1) ++k;  // n.bit_length()
    std::uint64_t r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return r;
}

}  // namespace flower::prepare
