// Shared timing helpers of the benchmarks: medians of repeated runs, and a scoped thread count
// for side-by-side comparisons. Header-only; benchmarks are never run by ctest.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace flower::bench {

// The median of `values` (by value: sorted here).
inline double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Median wall time in ms of `reps` calls of f, after `warmups` untimed calls.
template <typename F>
double medianMs(F&& f, int reps, int warmups = 0) {
    using Clock = std::chrono::steady_clock;
    for (int i = 0; i < warmups; ++i) f();
    std::vector<double> times;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = Clock::now();
        f();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return median(std::move(times));
}

// LibTorch's intra-op threads set to `threads` for a scope, the previous count restored after.
class ScopedTorchThreads {
public:
    explicit ScopedTorchThreads(int threads) : previous_(torch::get_num_threads()) {
        if (threads != previous_) torch::set_num_threads(threads);
    }
    ~ScopedTorchThreads() {
        if (torch::get_num_threads() != previous_) torch::set_num_threads(previous_);
    }
    ScopedTorchThreads(const ScopedTorchThreads&) = delete;
    ScopedTorchThreads& operator=(const ScopedTorchThreads&) = delete;

private:
    int previous_;
};

}  // namespace flower::bench
