#include "core/util/runtime.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <strings.h>
#include <thread>

namespace flower::util {

namespace {
constexpr const char* kReexecGuard = "FLOWER_REEXECUTED";

std::optional<int> positiveEnvInt(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    char* end = nullptr;
    const long parsed = std::strtol(value, &end, 10);
    if (*end != '\0' || parsed <= 0 || parsed > 4096) {
        return std::nullopt;
    }
    return static_cast<int>(parsed);
}
}  // namespace

void retainFreedMemory() {
#if defined(__GLIBC__)
    // 32 MiB is the largest mmap threshold glibc accepts (HEAP_MAX/2); setting it fixes the
    // threshold, so the trim threshold must be raised too or the heap top goes back each step.
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

void ensureThreadEnvironment(int argc, char** argv) {
    (void)argc;
    retainFreedMemory();
    // A value set by a launcher or by the user is respected.
    const bool changed = setThreadEnvironment();
    if (!changed || std::getenv(kReexecGuard) != nullptr) {
        return;  // nothing to do, or never loop even if the environment is not inherited
    }
    ::setenv(kReexecGuard, "1", 1);
    std::fflush(nullptr);
    ::execv("/proc/self/exe", argv);
    // exec failed (no /proc?): carry on with the libraries' defaults, but say why it is slow.
    std::fprintf(stderr, "warning: could not re-execute with OMP_WAIT_POLICY=PASSIVE and "
                         "OPENBLAS_THREAD_TIMEOUT=%d (%s); set them in the environment for full speed\n",
                 kBlasThreadTimeout, std::strerror(errno));
}

int defaultThreadCount() {
    if (auto n = positiveEnvInt("FLOWER_NUM_THREADS")) {
        return *n;
    }
    if (auto n = positiveEnvInt("OMP_NUM_THREADS")) {
        return *n;
    }
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    if (online > 0) {
        return static_cast<int>(online);
    }
    return std::max(1u, std::thread::hardware_concurrency());
}

std::string loadedBlasLibrary() {
    // /proc/self/maps lists every mapped file; libblas.so.3 is a symlink chosen by Debian's
    // alternatives, so resolve it to see which implementation it is.
    std::ifstream maps("/proc/self/maps");
    std::string line;
    std::string found;
    while (std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos) {
            continue;
        }
        const std::string path = line.substr(slash);
        const std::string name = std::filesystem::path(path).filename().string();
        if (name.rfind("libopenblas", 0) == 0) {
            return std::filesystem::weakly_canonical(path).string();
        }
        if (found.empty() && name.rfind("libblas", 0) == 0) {
            found = std::filesystem::weakly_canonical(path).string();
        }
    }
    return found;
}

bool openMpWaitsPassively() {
    const char* value = std::getenv("OMP_WAIT_POLICY");
    return value != nullptr && ::strcasecmp(value, "PASSIVE") == 0;
}

}  // namespace flower::util
