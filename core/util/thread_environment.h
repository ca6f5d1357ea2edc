// The thread environment every program runs with, as variables set before the libraries that
// read them are loaded. Header-only and libc-only: the launchers (app/launcher) include it
// without linking anything of the project.
#pragma once

#include <cstdlib>

namespace flower::util {

// OpenBLAS's idle threads sleep after spinning 2^kBlasThreadTimeout cycles (~26 µs at 2.5 GHz):
// long enough for back-to-back matmuls, short enough to leave the cores to the fused ops.
inline constexpr int kBlasThreadTimeout = 16;
inline constexpr const char* kBlasThreadTimeoutText = "16";
static_assert(kBlasThreadTimeout == 16, "keep kBlasThreadTimeoutText in step");

// Sets OMP_WAIT_POLICY=PASSIVE and OPENBLAS_THREAD_TIMEOUT=kBlasThreadTimeout where they are
// unset (a value the user set is kept, even an empty one). libgomp and OpenBLAS read them once,
// when they are loaded, so this only has an effect before LibTorch is mapped into the process:
// in a launcher before exec, or before dlopen (runtime.h explains why both matter).
// Returns true when it set at least one.
inline bool setThreadEnvironment() {
    bool changed = false;
    if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
        changed = true;
    }
    if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr) {
        ::setenv("OPENBLAS_THREAD_TIMEOUT", kBlasThreadTimeoutText, 0);
        changed = true;
    }
    return changed;
}

}  // namespace flower::util
