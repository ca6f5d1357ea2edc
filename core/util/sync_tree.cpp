#include "core/util/sync_tree.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <system_error>
#include <unistd.h>

namespace flower::util {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const char* what, const fs::path& path, int error) {
    throw fs::filesystem_error(what, path, std::error_code(error, std::generic_category()));
}

void syncPath(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        fail("cannot open to sync", path, errno);
    }
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) {
        fail("fsync failed", path, error);
    }
}

}  // namespace

void syncDirectory(const fs::path& dir) { syncPath(dir, O_RDONLY | O_DIRECTORY); }

std::uintmax_t syncTree(const fs::path& root) {
    const fs::file_status status = fs::symlink_status(root);
    if (!fs::exists(status)) {
        fail("cannot sync a missing path", root, ENOENT);
    }
    if (!fs::is_directory(status)) {
        syncPath(root, O_RDONLY);
        return 1;
    }
    std::uintmax_t count = 0;
    for (const auto& entry : fs::directory_iterator(root)) {
        const fs::file_status s = entry.symlink_status();
        if (fs::is_directory(s)) {
            count += syncTree(entry.path());
        } else if (fs::is_regular_file(s)) {
            syncPath(entry.path(), O_RDONLY);
            ++count;
        }
    }
    syncDirectory(root);  // after its entries: their names are durable with it
    return count + 1;
}

bool exchangePaths(const fs::path& a, const fs::path& b) {
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) {
        return true;
    }
    if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
        return false;  // e.g. an old NFS: the caller falls back to two renames
    }
    fail("cannot exchange", a, errno);
}

}  // namespace flower::util
