// Process start-up for every program and test of the project: OpenMP must wait passively and
// LibTorch must use all cores. Both have to be settled before any tensor work.
#pragma once

#include <optional>
#include <string>

namespace flower::util {

// Call first in main(). Two thread pools share the cores: libgomp's (LibTorch's parallel loops,
// the fused CPU ops) and OpenBLAS's pthreads (every matmul). Each reads how its idle threads wait
// once, when the library loads (before main), so both are settled through the environment:
// - OMP_WAIT_POLICY=PASSIVE: with libgomp's default its spinning threads fight OpenBLAS's for
//   the two cores (a 5 M-parameter forward+backward: 218 ms PASSIVE vs 580 ms unset).
// - OPENBLAS_THREAD_TIMEOUT=kBlasThreadTimeout: by default OpenBLAS's idle threads call
//   sched_yield for 2^28 cycles (~0.1 s) after every matmul, taking a core from the OpenMP
//   threads of the fused ops that run between matmuls (bench_model, session 6: the fused
//   attention ran 2× slower, the tiny training step 1.2× slower).
// When either is unset we set it and re-execute the program once (/proc/self/exe, same argv);
// values the user set are respected. Returns only in the process that will do the work.
// Also calls retainFreedMemory().
void ensureThreadEnvironment(int argc, char** argv);

// Keeps freed blocks of up to 32 MiB in the heap instead of returning them to the kernel.
// A training step frees and reallocates the same activation buffers (a [B, T, V] logits
// gradient is 17 MB) every step, and each block glibc maps afresh costs page faults: a fixed
// 128 KiB mmap threshold made the tiny preset's step 2x slower, glibc's adaptive default a
// few percent (bench_model, session 4).
void retainFreedMemory();

// Number of intra-op threads to use: FLOWER_NUM_THREADS or OMP_NUM_THREADS when set (a user
// choice), else the number of online cores.
int defaultThreadCount();

// Sets LibTorch's intra-op threads (LibTorch defaults to 1 here) to `threads` or
// defaultThreadCount(). Returns the number set.
int configureTorchThreads(std::optional<int> threads = std::nullopt);

// The BLAS library mapped into this process (resolved path of libblas.so.3 or libopenblas),
// or "" when none is mapped yet. Debian's LibTorch runs ~25x slower on the reference BLAS
// than on OpenBLAS, so programs report it (`flower env`) and tests check it.
std::string loadedBlasLibrary();

// OpenBLAS's idle threads sleep after spinning 2^kBlasThreadTimeout cycles (~26 µs at 2.5 GHz):
// long enough for back-to-back matmuls, short enough to leave the cores to the fused ops.
inline constexpr int kBlasThreadTimeout = 16;

// True when OMP_WAIT_POLICY is PASSIVE in this process's environment.
bool openMpWaitsPassively();

}  // namespace flower::util
