// A launcher: the program on PATH (bin/flower-workbench) that sets the thread environment and
// replaces itself with the real program (libexec/flower-workbench/flower-workbench), which then
// loads LibTorch once. Without it the real program would load LibTorch, find the variables unset,
// re-execute itself and load LibTorch again (core/util/runtime.h).
//
// Built by flower_add_launcher (cmake/FlowerLauncher.cmake) with FLOWER_LAUNCH_TARGET, the real
// program's path relative to the launcher's own folder, the same in the build tree and installed.
// Uses libc only (no LibTorch, no Qt, no libstdc++ at run time): it costs about a millisecond.
//
// Contract: argv (argv[0] included) and the environment are passed on unchanged except for
// OMP_WAIT_POLICY and OPENBLAS_THREAD_TIMEOUT, set where unset; the real program's exit status
// is the launcher's (exec keeps the process). When the real program cannot be started: a message
// naming its path on stderr and exit status 127 (not found) or 126 (not executable), as a shell.
#include "core/util/thread_environment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#ifndef FLOWER_LAUNCH_TARGET
#error "define FLOWER_LAUNCH_TARGET: the real program's path relative to the launcher's folder"
#endif

namespace {

const char* baseName(const char* path) {
    const char* slash = std::strrchr(path, '/');
    return slash != nullptr ? slash + 1 : path;
}

}  // namespace

int main(int argc, char** argv) {
    (void)argc;
    const char* name = argv[0] != nullptr ? baseName(argv[0]) : "flower launcher";
    // Our own file, links resolved: the real program is found relative to where the launcher
    // really is, also when PATH holds a symbolic link to it.
    char self[PATH_MAX];
    const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) {
        std::fprintf(stderr, "%s: cannot find the launcher's own file (/proc/self/exe: %s)\n", name,
                     std::strerror(errno));
        return 127;
    }
    self[length] = '\0';
    char* slash = std::strrchr(self, '/');
    if (slash != nullptr) {
        *slash = '\0';
    }
    char target[PATH_MAX];
    const int written = std::snprintf(target, sizeof target, "%s/%s", self, FLOWER_LAUNCH_TARGET);
    if (written < 0 || static_cast<std::size_t>(written) >= sizeof target) {
        std::fprintf(stderr, "%s: the path of the program to start is too long (%s/%s)\n", name,
                     self, FLOWER_LAUNCH_TARGET);
        return 127;
    }

    // The loop guard: exec never returns to us, so the only loop possible is the target being
    // this launcher itself (a copy or link of it put where the real program belongs).
    struct stat own {};
    struct stat real {};
    if (::stat("/proc/self/exe", &own) == 0 && ::stat(target, &real) == 0 &&
        own.st_dev == real.st_dev && own.st_ino == real.st_ino) {
        std::fprintf(stderr, "%s: %s is this launcher itself, not the program it starts; "
                             "reinstall or rebuild\n", name, target);
        return 126;
    }

    flower::util::setThreadEnvironment();
    ::execv(target, argv);
    const int error = errno;
    std::fprintf(stderr, "%s: cannot start %s: %s (%s)\n", name, target, std::strerror(error),
                 error == ENOENT ? "the installation is incomplete: reinstall, or build the "
                                   "program's target"
                                 : "check its permissions");
    return error == ENOENT ? 127 : 126;
}
