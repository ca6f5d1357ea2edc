#include "core/util/remove_tree.h"

#include <ftw.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

namespace flower::util {

namespace {

// nftw's callback has no user pointer; one walk per thread at a time.
thread_local std::uintmax_t tRemoved = 0;

int removeEntry(const char* path, const struct stat*, int, struct FTW*) {
    // FTW_DEPTH visits a directory after its contents: remove() then finds it empty.
    if (std::remove(path) != 0) {
        return errno != 0 ? errno : EIO;  // stops the walk; nftw returns this value
    }
    ++tRemoved;
    return 0;
}

}  // namespace

std::uintmax_t removeTree(const std::filesystem::path& path, std::error_code& ec) noexcept {
    ec.clear();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) ec = std::error_code(errno, std::generic_category());
        return 0;
    }
    tRemoved = 0;
    const int rc = ::nftw(path.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
    if (rc != 0) {
        ec = std::error_code(rc > 0 ? rc : errno, std::generic_category());
    }
    return tRemoved;
}

std::uintmax_t removeTree(const std::filesystem::path& path) {
    std::error_code ec;
    const std::uintmax_t n = removeTree(path, ec);
    if (ec) {
        throw std::filesystem::filesystem_error("cannot remove", path, ec);
    }
    return n;
}

}  // namespace flower::util
