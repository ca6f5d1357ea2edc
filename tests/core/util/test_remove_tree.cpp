// removeTree: what std::filesystem::remove_all does (and what it replaces, see remove_tree.h):
// whole trees, single files, missing paths, and links removed without being followed.
#include "core/util/remove_tree.h"
#include "tests/support/flower_test.h"

#include <fstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using flower::util::removeTree;

namespace {

fs::path scratch(const std::string& name) {
    const fs::path p = fs::temp_directory_path() / ("flower-remove-tree-" + std::to_string(::getpid()) + "-" + name);
    std::error_code ec;
    removeTree(p, ec);
    fs::create_directories(p);
    return p;
}

void touch(const fs::path& p) { std::ofstream(p) << "x"; }

}  // namespace

class TestRemoveTree : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void removesNestedTreeAndCounts();
    void removesSingleFile();
    void missingPathIsNotAnError();
    void linksAreRemovedNotFollowed();
};

void TestRemoveTree::removesNestedTreeAndCounts() {
    const fs::path root = scratch("nested");
    fs::create_directories(root / "a" / "b" / "c");
    touch(root / "f1");
    touch(root / "a" / "f2");
    touch(root / "a" / "b" / "c" / "f3");
    fs::create_directories(root / "empty");
    // root, a, a/b, a/b/c, empty + 3 files
    QCOMPARE(removeTree(root), std::uintmax_t{8});
    QVERIFY(!fs::exists(root));
}

void TestRemoveTree::removesSingleFile() {
    const fs::path root = scratch("file");
    touch(root / "only");
    QCOMPARE(removeTree(root / "only"), std::uintmax_t{1});
    QVERIFY(!fs::exists(root / "only"));
    QVERIFY(fs::exists(root));
    removeTree(root);
}

void TestRemoveTree::missingPathIsNotAnError() {
    std::error_code ec;
    QCOMPARE(removeTree(fs::temp_directory_path() / "flower-remove-tree-never-made", ec), std::uintmax_t{0});
    QVERIFY(!ec);
}

void TestRemoveTree::linksAreRemovedNotFollowed() {
    const fs::path outside = scratch("outside");
    touch(outside / "keep");
    const fs::path root = scratch("links");
    fs::create_directory_symlink(outside, root / "dir-link");
    fs::create_symlink(outside / "keep", root / "file-link");
    QCOMPARE(removeTree(root), std::uintmax_t{3});
    QVERIFY(!fs::exists(root));
    QVERIFY(fs::exists(outside / "keep"));  // what the links point to is untouched
    removeTree(outside);
}

FLOWER_TEST_MAIN(TestRemoveTree, removesNestedTreeAndCounts, removesSingleFile, missingPathIsNotAnError,
                 linksAreRemovedNotFollowed)
#ifdef FLOWER_TEST_QT
#include "test_remove_tree.moc"
#endif
