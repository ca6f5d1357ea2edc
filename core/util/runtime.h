// Process start-up for every program and test of the project: OpenMP must wait passively and
// LibTorch must use all cores. Both have to be settled before any tensor work.
#pragma once

#include "core/util/thread_environment.h"

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
// The installed programs never re-execute: `flower` sets the variables before it dlopens its
// LibTorch part, and `flower-workbench` is a launcher that sets them and executes the real
// program once (app/launcher); this re-execution remains the guarantee for tests, benchmarks and
// a real program started directly.
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
// defaultThreadCount(). Returns the number set. The only function here that needs LibTorch: it
// is defined in flower_core (torch_threads.cpp), the rest in the torch-free flower_base.
int configureTorchThreads(std::optional<int> threads = std::nullopt);

// The BLAS library mapped into this process (resolved path of libblas.so.3 or libopenblas),
// or "" when none is mapped yet. Debian's LibTorch runs ~25x slower on the reference BLAS
// than on OpenBLAS, so programs report it (`flower env`) and tests check it.
std::string loadedBlasLibrary();

// True when OMP_WAIT_POLICY is PASSIVE in this process's environment.
bool openMpWaitsPassively();

}  // namespace flower::util
