#include "core/prepare/line_reader.h"

#include "core/prepare/sha256.h"
#include "core/util/error.h"

#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace flower::prepare {

namespace {
constexpr std::size_t kReadBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxReady = 3;  // chunks decoded ahead of the parser
}  // namespace

struct LineReader::Shared {
    std::FILE* file = nullptr;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::vector<char>> ready;
    std::vector<std::vector<char>> spare;
    bool done = false;
    bool stop = false;
    std::string error;  // set with done when the file could not be read to its end
    std::string sha256;
    std::atomic<std::uint64_t> bytesRead{0};
};

LineReader::LineReader(std::string path, std::size_t chunkBytes)
    : path_(std::move(path)), chunkBytes_(chunkBytes < 64 ? 64 : chunkBytes),
      shared_(std::make_unique<Shared>()) {
    shared_->file = std::fopen(path_.c_str(), "rb");
    if (shared_->file == nullptr) {
        throw Error({path_, 0, ""}, std::string("cannot open the file: ") + std::strerror(errno));
    }
    if (std::fseek(shared_->file, 0, SEEK_END) == 0) {
        const long size = std::ftell(shared_->file);
        fileSize_ = size > 0 ? static_cast<std::uint64_t>(size) : 0;
    }
    std::rewind(shared_->file);
    unsigned char magic[2] = {0, 0};
    const std::size_t got = std::fread(magic, 1, 2, shared_->file);
    gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::rewind(shared_->file);
    producer_ = std::thread([this] { produce(); });
}

LineReader::~LineReader() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stop = true;
    }
    shared_->changed.notify_all();
    if (producer_.joinable()) producer_.join();
    std::fclose(shared_->file);
}

std::uint64_t LineReader::bytesRead() const { return shared_->bytesRead.load(); }

void LineReader::produce() {
    Shared& s = *shared_;
    Sha256 hash;
    std::vector<unsigned char> in(kReadBytes);
    std::vector<char> out(chunkBytes_);
    std::size_t used = 0;
    bool stopped = false;

    const auto freshBuffer = [&](std::size_t size) {
        std::vector<char> b;
        {
            std::lock_guard lock(s.mutex);
            if (!s.spare.empty()) {
                b = std::move(s.spare.back());
                s.spare.pop_back();
            }
        }
        b.resize(size);
        return b;
    };
    const auto push = [&](std::vector<char> chunk) {
        std::unique_lock lock(s.mutex);
        s.changed.wait(lock, [&] { return s.ready.size() < kMaxReady || s.stop; });
        if (s.stop) {
            stopped = true;
            return;
        }
        s.ready.push_back(std::move(chunk));
        s.changed.notify_all();
    };
    // Hands over the complete lines of `out` and keeps the unfinished last one.
    const auto emit = [&](bool final) {
        if (final) {
            out.resize(used);
            if (used > 0) push(std::move(out));
            used = 0;
            return;
        }
        std::size_t cut = used;
        while (cut > 0 && out[cut - 1] != '\n') --cut;
        if (cut == 0) {  // one line longer than the chunk: let the chunk grow
            out.resize(out.size() * 2);
            return;
        }
        std::vector<char> next = freshBuffer(std::max(chunkBytes_, (used - cut) * 2));
        std::memcpy(next.data(), out.data() + cut, used - cut);
        used -= cut;
        out.resize(cut);
        push(std::move(out));
        out = std::move(next);
    };
    const auto finish = [&](const std::string& error) {
        if (!error.empty() && used > 0) {  // the complete lines before the failure still count
            std::size_t cut = used;
            while (cut > 0 && out[cut - 1] != '\n') --cut;
            used = cut;
            emit(true);
        }
        std::lock_guard lock(s.mutex);
        s.done = true;
        s.error = error;
        s.sha256 = hash.hexDigest();
        s.changed.notify_all();
    };

    z_stream zs{};
    if (gzip_ && inflateInit2(&zs, 15 + 16) != Z_OK) {
        finish("zlib could not start inflating");
        return;
    }
    bool ended = false;  // the current gzip member reached its end marker
    std::string error;
    while (!stopped) {
        const std::size_t n = std::fread(in.data(), 1, in.size(), s.file);
        if (n == 0) {
            if (std::ferror(s.file)) error = std::string("read error: ") + std::strerror(errno);
            else if (gzip_ && !ended) error = "truncated gzip stream: the file ends before the stream's end marker";
            break;
        }
        hash.update(in.data(), n);
        s.bytesRead += n;
        if (!gzip_) {
            std::size_t off = 0;
            while (off < n && !stopped) {
                if (used == out.size()) emit(false);
                const std::size_t take = std::min(n - off, out.size() - used);
                std::memcpy(out.data() + used, in.data() + off, take);
                used += take;
                off += take;
            }
            continue;
        }
        if (ended) {  // another gzip member follows (concatenated .gz files)
            inflateReset(&zs);
            ended = false;
        }
        zs.next_in = in.data();
        zs.avail_in = static_cast<uInt>(n);
        while (!stopped) {
            if (used == out.size()) emit(false);
            zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
            zs.avail_out = static_cast<uInt>(out.size() - used);
            const int ret = inflate(&zs, Z_NO_FLUSH);
            used = out.size() - zs.avail_out;
            if (ret == Z_STREAM_END) {
                if (zs.avail_in > 0) {
                    inflateReset(&zs);
                    continue;
                }
                ended = true;
                break;
            }
            if (ret == Z_BUF_ERROR && zs.avail_in == 0) break;
            if (ret != Z_OK) {
                error = std::string("corrupt gzip data") + (zs.msg ? std::string(" (") + zs.msg + ")" : "");
                break;
            }
            if (zs.avail_in == 0 && zs.avail_out > 0) break;
        }
        if (!error.empty()) break;
    }
    if (gzip_) inflateEnd(&zs);
    if (stopped) return;
    if (error.empty()) emit(true);
    finish(error);
}

bool LineReader::takeChunk() {
    Shared& s = *shared_;
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return !s.ready.empty() || s.done; });
    if (!chunk_.empty() || chunk_.capacity() > 0) s.spare.push_back(std::move(chunk_));
    if (s.ready.empty()) {
        finished_ = true;
        sha256_ = s.sha256;
        if (!s.error.empty()) throw Error({path_, line_ + 1, ""}, s.error);
        return false;
    }
    chunk_ = std::move(s.ready.front());
    s.ready.pop_front();
    s.changed.notify_all();
    pos_ = 0;
    return true;
}

bool LineReader::next(std::string_view& line) {
    while (pos_ >= chunk_.size()) {
        if (finished_ || !takeChunk()) return false;
    }
    const char* begin = chunk_.data() + pos_;
    const std::size_t left = chunk_.size() - pos_;
    const void* nl = std::memchr(begin, '\n', left);
    const std::size_t length = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - begin) : left;
    line = std::string_view(begin, length);
    pos_ += nl ? length + 1 : length;
    textBytes_ += nl ? length + 1 : length;
    ++line_;
    return true;
}

}  // namespace flower::prepare
