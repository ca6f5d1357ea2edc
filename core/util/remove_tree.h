// removeTree(path): deletes a file or a directory with everything below it, like
// std::filesystem::remove_all, which it replaces everywhere in this project: in processes that
// load the LibTorch of pip's PyTorch 2.11 (the GPU machines), std::filesystem::remove_all of a
// non-empty directory crashed with a jump to an invalid address (tests/device, session 5) —
// that LibTorch carries its own copy of parts of libstdc++'s filesystem code. This walks the
// tree with POSIX nftw instead. Symbolic links are removed, never followed.
// A missing path is not an error (0 entries removed). Failure: std::filesystem::filesystem_error
// naming the path, or the error_code overload's ec.
#pragma once

#include <cstdint>
#include <filesystem>
#include <system_error>

namespace flower::util {

std::uintmax_t removeTree(const std::filesystem::path& path);
std::uintmax_t removeTree(const std::filesystem::path& path, std::error_code& ec) noexcept;

}  // namespace flower::util
