// bench_runtime — why the programs re-execute with OMP_WAIT_POLICY=PASSIVE, measured.
//
// Measures, side by side in one run, the fp32 matmul peak (1024², GFLOP/s) and a
// forward+backward of a ~5 M-parameter MLP stack (batch 8 x 128 tokens) in child processes
// started with OMP_WAIT_POLICY=PASSIVE, unset and ACTIVE. Children are this same program
// (`--child`), which does not re-execute, so each runs with exactly the policy it was given.
#include "core/util/runtime.h"

#include <torch/torch.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double medianMs(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <typename F>
double timeMs(F&& f, int reps) {
    std::vector<double> times;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = Clock::now();
        f();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return medianMs(times);
}

int child() {
    flower::util::configureTorchThreads();
    torch::manual_seed(0);
    const int64_t n = 1024;
    auto a = torch::randn({n, n});
    auto b = torch::randn({n, n});
    for (int i = 0; i < 3; ++i) torch::mm(a, b);
    const double mmMs = timeMs([&] { torch::mm(a, b); }, 20);
    const double peak = 2.0 * n * n * n / (mmMs * 1e-3) / 1e9;

    // ~5.2 M parameters: 5 blocks of Linear(512, 1024) + GELU + Linear(1024, 512).
    torch::nn::Sequential net;
    for (int i = 0; i < 5; ++i) {
        net->push_back(torch::nn::Linear(512, 1024));
        net->push_back(torch::nn::Functional(torch::gelu, "none"));
        net->push_back(torch::nn::Linear(1024, 512));
    }
    int64_t params = 0;
    for (const auto& p : net->parameters()) params += p.numel();
    auto x = torch::randn({8 * 128, 512});
    auto step = [&] {
        net->zero_grad();
        net->forward(x).square().mean().backward();
    };
    for (int i = 0; i < 3; ++i) step();
    const double stepMs = timeMs(step, 15);
    const double flops = 6.0 * static_cast<double>(params) * 8 * 128;  // fwd 2 + bwd 4 per MAC
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    std::printf("%-8s threads=%d  matmul 1024^2: %6.1f GFLOP/s   fwd+bwd (%.1f M params, 8x128): "
                "%7.1f ms  %6.1f GFLOP/s (%4.0f%% of peak)\n",
                policy ? policy : "unset", torch::get_num_threads(), peak, params / 1e6, stepMs,
                flops / (stepMs * 1e-3) / 1e9, 100.0 * flops / (stepMs * 1e-3) / 1e9 / peak);
    return 0;
}

int spawn(const char* self, const char* policy) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (policy) {
            ::setenv("OMP_WAIT_POLICY", policy, 1);
        } else {
            ::unsetenv("OMP_WAIT_POLICY");
        }
        ::execl(self, self, "--child", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--child") == 0) {
        return child();
    }
    std::printf("OpenMP wait policy vs. step time (each line a fresh process)\n");
    std::fflush(stdout);  // children share the stream
    int rc = 0;
    for (const char* policy : {"PASSIVE", static_cast<const char*>(nullptr), "ACTIVE"}) {
        rc |= spawn("/proc/self/exe", policy);
    }
    return rc;
}
