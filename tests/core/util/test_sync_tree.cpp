// syncTree / syncDirectory / exchangePaths (sync_tree.h): what they visit (counted by hand on a
// small tree), that links are not followed, errors that name the path, and an atomic swap.
#include "core/util/remove_tree.h"
#include "core/util/sync_tree.h"
#include "tests/support/flower_test.h"

#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using flower::util::exchangePaths;
using flower::util::syncDirectory;
using flower::util::syncTree;

namespace {

fs::path scratch(const std::string& name) {
    const fs::path p = fs::temp_directory_path() /
                       ("flower-sync-tree-" + std::to_string(::getpid()) + "-" + name);
    std::error_code ec;
    flower::util::removeTree(p, ec);
    fs::create_directories(p);
    return p;
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

std::string read(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

class TestSyncTree : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void syncsEveryFileAndDirectory();
    void linksAreNotFollowed();
    void missingPathNamesIt();
    void exchangeSwapsTwoFolders();
};

void TestSyncTree::syncsEveryFileAndDirectory() {
    const fs::path root = scratch("count");
    fs::create_directories(root / "a" / "b");
    write(root / "model.safetensors", "w");
    write(root / "a" / "state.json", "{}");
    write(root / "a" / "b" / "rng.safetensors", "r");
    // 3 files + root, a, a/b.
    QCOMPARE(syncTree(root), std::uintmax_t{6});
    QCOMPARE(syncTree(root / "model.safetensors"), std::uintmax_t{1});
    syncDirectory(root / "a");
    flower::util::removeTree(root);
}

void TestSyncTree::linksAreNotFollowed() {
    const fs::path root = scratch("links");
    const fs::path outside = scratch("links-outside");
    write(outside / "big", "x");
    fs::create_directory_symlink(outside, root / "dir-link");
    fs::create_symlink(outside / "big", root / "file-link");
    QCOMPARE(syncTree(root), std::uintmax_t{1});  // only root itself
    flower::util::removeTree(root);
    flower::util::removeTree(outside);
}

void TestSyncTree::missingPathNamesIt() {
    const fs::path missing = scratch("missing") / "nope";
    try {
        syncTree(missing);
        QFAIL("syncTree of a missing path did not throw");
    } catch (const fs::filesystem_error& e) {
        QVERIFY2(std::string(e.what()).find("nope") != std::string::npos, e.what());
    }
    QVERIFY_THROWS_EXCEPTION(fs::filesystem_error, syncDirectory(missing));
}

void TestSyncTree::exchangeSwapsTwoFolders() {
    const fs::path root = scratch("exchange");
    fs::create_directories(root / "last");
    fs::create_directories(root / "last.tmp");
    write(root / "last" / "state.json", "old");
    write(root / "last.tmp" / "state.json", "new");
    if (!exchangePaths(root / "last.tmp", root / "last")) {
        QSKIP("this filesystem cannot exchange paths atomically (the checkpoint renames twice)");
    }
    QCOMPARE(read(root / "last" / "state.json"), std::string("new"));
    QCOMPARE(read(root / "last.tmp" / "state.json"), std::string("old"));
    QVERIFY_THROWS_EXCEPTION(fs::filesystem_error,
                             exchangePaths(root / "absent", root / "last"));
    flower::util::removeTree(root);
}

FLOWER_TEST_MAIN(TestSyncTree, syncsEveryFileAndDirectory, linksAreNotFollowed,
                 missingPathNamesIt, exchangeSwapsTwoFolders)
#ifdef FLOWER_TEST_QT
#include "test_sync_tree.moc"
#endif
