// CPython's `random` module (Mersenne Twister MT19937) bit for bit, for the one thing the
// reference's process.py draws: `random.seed(42); random.shuffle(items)` decides every item id,
// so reproducing it keeps our ids (and so checkpoints, SASRec scores, results) equal to theirs.
// Seeding from an int follows CPython's random_seed: |n| cut into 32-bit words (least
// significant first) fed to init_by_array. `shuffle` is CPython 3's Fisher–Yates from the end
// with `_randbelow` = rejection sampling on getrandbits(n.bit_length()).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace flower::prepare {

class PythonRandom {
public:
    explicit PythonRandom(std::uint64_t seed);

    // random.getrandbits(k) for 0 ≤ k ≤ 64 (CPython fills words from the least significant).
    std::uint64_t getrandbits(int k);
    // random.random(): 53-bit float in [0, 1).
    double random();
    // random._randbelow(n) for n ≥ 1.
    std::uint64_t randbelow(std::uint64_t n);

    template <class T>
    void shuffle(std::vector<T>& x) {
        for (std::size_t i = x.size(); i-- > 1;) {
            const auto j = static_cast<std::size_t>(randbelow(static_cast<std::uint64_t>(i) + 1));
            std::swap(x[i], x[j]);
        }
    }

private:
    std::uint32_t next32();
    void initGenrand(std::uint32_t s);
    void initByArray(const std::vector<std::uint32_t>& key);

    std::array<std::uint32_t, 624> mt_{};
    std::size_t index_ = 625;
};

}  // namespace flower::prepare
