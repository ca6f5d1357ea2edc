// LineReader: the lines of a text file, gzipped or plain (told apart by the gzip magic bytes),
// streamed in bounded memory. A second thread reads, hashes (SHA-256 of the file's bytes as
// stored) and inflates through zlib while the caller parses: on 2 cores, decompression and
// parsing overlap. At most a few 4 MiB chunks are in flight, so memory does not grow with the
// file (a single line longer than a chunk grows that chunk).
//
// Errors (flower::Error naming the file and the line that was being read): a file that cannot
// be opened or read, a corrupt or truncated gzip stream (its end marker missing), bytes after
// the stream that are not another gzip member.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace flower::prepare {

class LineReader {
public:
    explicit LineReader(std::string path, std::size_t chunkBytes = std::size_t{4} << 20);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    // The next line without its '\n' (a '\r' before it is kept); false at the end. The view
    // stays valid until the next call.
    bool next(std::string_view& line);
    // 1-based number of the line `next` returned last.
    std::int64_t lineNumber() const { return line_; }

    const std::string& path() const { return path_; }
    bool gzipped() const { return gzip_; }
    std::uint64_t fileSize() const { return fileSize_; }
    // Bytes of the file read so far (runs a few chunks ahead of the lines returned).
    std::uint64_t bytesRead() const;
    // Text bytes handed out so far (the uncompressed size at the end).
    std::uint64_t textBytes() const { return textBytes_; }
    // SHA-256 of the whole file; valid once next() has returned false.
    const std::string& sha256() const { return sha256_; }

private:
    struct Shared;
    void produce();
    bool takeChunk();

    std::string path_;
    bool gzip_ = false;
    std::uint64_t fileSize_ = 0;
    std::size_t chunkBytes_;
    std::unique_ptr<Shared> shared_;
    std::thread producer_;

    std::vector<char> chunk_;
    std::size_t pos_ = 0;
    bool finished_ = false;
    std::int64_t line_ = 0;
    std::uint64_t textBytes_ = 0;
    std::string sha256_;
};

}  // namespace flower::prepare
