// A read-only view of a whole file through mmap, so that a multi-GB checkpoint is paged in on
// demand instead of being copied into memory. Pages are mapped private (copy-on-write): a tensor
// that views them may be written without touching the file. Move-only; unmaps on destruction.
// Failure to open or map throws flower::Error naming the file. If another process truncates the
// file while it is mapped, reading the lost pages raises SIGBUS (an mmap limitation).
#pragma once

#include <cstddef>
#include <filesystem>

namespace flower::model {

class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;

    const unsigned char* data() const { return data_; }
    unsigned char* mutableData() const { return data_; }
    std::size_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    unsigned char* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace flower::model
