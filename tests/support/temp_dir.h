// A fresh folder under the system temp directory, removed with everything in it when the
// object goes out of scope — for tests that write files (bad datasets, generated data).
#pragma once

#include "core/util/remove_tree.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <unistd.h>

namespace flower::test {

class TempDir {
public:
    explicit TempDir(std::string_view tag = "test") {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("flower-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter++));
        flower::util::removeTree(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        flower::util::removeTree(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // Writes `content` byte for byte to path()/relative (folders created); returns the path.
    std::filesystem::path write(const std::string& relative, std::string_view content) const {
        const auto file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream out(file, std::ios::binary);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        return file;
    }

private:
    std::filesystem::path path_;
};

// A fresh, empty folder `name` inside one TempDir of this test process (removed at exit), for
// tests that want a named scratch folder per test function.
inline std::filesystem::path freshFolder(const std::string& name) {
    static const TempDir root("scratch");
    const auto dir = root.path() / name;
    flower::util::removeTree(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

// Points QSettings (XDG_CONFIG_HOME) and the application-data folder (XDG_DATA_HOME) of this
// process and its children at a throw-away folder, so widget tests never read or write the
// user's window state, recent stores or default store. Keep the result alive for the test.
inline std::unique_ptr<TempDir> isolateUserFolders(std::string_view tag) {
    auto dir = std::make_unique<TempDir>(tag);
    ::setenv("XDG_CONFIG_HOME", dir->path().c_str(), 1);
    ::setenv("XDG_DATA_HOME", dir->path().c_str(), 1);
    return dir;
}

}  // namespace flower::test
