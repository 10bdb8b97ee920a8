// The output tree of `btfgen build` (build/output_tree.cpp), at library level: which relative paths
// the state file may name (is_output_relative, the gate before anything is removed), atomic writes
// that keep a file's mode, byte-exact `holds`, lstat-only `stat`, removal that prunes empty
// directories but never follows a link out of the tree, and the flock that keeps two builds apart.
// The link cases are the point: a link planted in the tree must not let btfgen write or delete outside.
#include "btfgen/build/output_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using test::TempDir;

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string read_text(const std::string& path) {
  const auto b = test::read_file_bytes(path);
  return std::string(b.begin(), b.end());
}

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Names in DIR (not recursive), sorted.
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Every path under DIR, recursively, relative to it (links not followed).
std::vector<std::string> tree_of(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(dir)) paths.push_back(fs::relative(e.path(), dir).string());
  std::sort(paths.begin(), paths.end());
  return paths;
}

const std::vector<std::string> kX86 = {"x86_64", "x86", "amd64"};

TEST(OutputRelative, AcceptsKernelPathsUnderAnArchDirectory) {
  const std::vector<std::string> accepted = {
      "d/1/x86_64/k.btf",
      "x86_64/k.btf",
      "centos/8/amd64/4.18.0-193.el8.x86_64.btf",
      "a/b/c/d/e/f/g/x86/5.4.0-1.btf",
      "with space/x86_64/k k.btf",
      "tab\there/x86_64/k\t.btf",
      "bytes\xff\xfe/x86_64/\xff.btf",
      "a/x86_64/k..btf",
  };
  for (const auto& rel : accepted) EXPECT_TRUE(is_output_relative(rel, kX86)) << rel;
}

TEST(OutputRelative, RefusesEverythingElse) {
  const std::vector<std::string> refused = {
      "",
      "/abs/x86_64/k.btf",
      "../x86_64/k.btf",
      "a/../x86_64/k.btf",
      "a/x86_64/..",
      "a//x86_64/k.btf",
      "./x86_64/k.btf",
      "a/./x86_64/k.btf",
      ".hidden/x86_64/k.btf",
      "a/.git/x86_64/k.btf",
      "a/x86_64/.k.btf",
      "a/arm64/k.btf",
      "a/X86_64/k.btf",
      "a/x86_64/k.txt",
      "a/x86_64/k.BTF",
      "a/x86_64/k.btf.tar.xz",
      "a/x86_64/.btf",
      "a/x86_64/k.btf/",
      "a/x86_64/sub/k.btf",
      "k.btf",
      "x86_64",
      "a/x86_64/k\0.btf"s,
      "a/x86_64/k.btf\0"s,
      "a\0/x86_64/k.btf"s,
  };
  for (const auto& rel : refused) EXPECT_FALSE(is_output_relative(rel, kX86)) << printable(rel);
}

TEST(OutputRelative, ArchDirsDecide) {
  EXPECT_TRUE(is_output_relative("a/arm64/k.btf", {"arm64", "aarch64"}));
  EXPECT_FALSE(is_output_relative("a/x86_64/k.btf", {"arm64", "aarch64"}));
  EXPECT_FALSE(is_output_relative("a/x86_64/k.btf", {}));
}

TEST(OutputTree, CreatesItsRootAndShowsPathsUnderIt) {
  TempDir tmp;
  const std::string root = tmp.file("a/b/out");
  OutputTree tree(root);
  EXPECT_TRUE(fs::is_directory(root));
  EXPECT_EQ(tree.root(), root);
  EXPECT_EQ(tree.shown("d/x86_64/k.btf"), root + "/d/x86_64/k.btf");
}

TEST(OutputTree, RootUnderAFileThrows) {
  TempDir tmp;
  put(tmp.file("file"), "x");
  try {
    OutputTree tree(tmp.file("file/out"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOTDIR);
    EXPECT_NE(std::string(e.what()).find(tmp.file("file/out")), std::string::npos) << e.what();
  }
}

TEST(OutputTree, WriteCreatesDirectoriesAtomically) {
  TempDir tmp;
  OutputTree tree(tmp.path());
  ASSERT_TRUE(tree.write("d/1/x86_64/k.btf", bytes_of("first")));
  EXPECT_EQ(read_text(tmp.file("d/1/x86_64/k.btf")), "first");
  EXPECT_EQ(names_in(tmp.file("d/1/x86_64")), std::vector<std::string>{"k.btf"});  // no .btfgen-* left
  ASSERT_TRUE(tree.write("d/1/x86_64/k.btf", bytes_of("second, longer")));
  EXPECT_EQ(read_text(tmp.file("d/1/x86_64/k.btf")), "second, longer");
  ASSERT_TRUE(tree.write("d/1/x86_64/k.btf", bytes_of("")));
  EXPECT_EQ(fs::file_size(tmp.file("d/1/x86_64/k.btf")), 0u);
  EXPECT_EQ(tree_of(tmp.path()), (std::vector<std::string>{"d", "d/1", "d/1/x86_64", "d/1/x86_64/k.btf"}));
}

TEST(OutputTree, WriteKeepsAnExistingFilesMode) {
  TempDir tmp;
  OutputTree tree(tmp.path());
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("old")));
  ASSERT_EQ(chmod(tmp.file("x86_64/k.btf").c_str(), 0600), 0);
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("new")));
  struct stat st{};
  ASSERT_EQ(lstat(tmp.file("x86_64/k.btf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(read_text(tmp.file("x86_64/k.btf")), "new");
  // A new file gets 0666 less the umask, as any new file.
  const mode_t mask = umask(022);
  umask(mask);
  ASSERT_TRUE(tree.write("x86_64/n.btf", bytes_of("n")));
  ASSERT_EQ(lstat(tmp.file("x86_64/n.btf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0666u & ~mask);
}

TEST(OutputTree, WriteWithCancelRaisedWritesNothing) {
  TempDir tmp;
  OutputTree tree(tmp.path());
  std::atomic<bool> cancel{true};
  EXPECT_FALSE(tree.write("x86_64/k.btf", bytes_of("bytes"), &cancel));
  // No file at all, not even a temporary one (the parent directories may have been created).
  for (const auto& rel : tree_of(tmp.path())) EXPECT_TRUE(fs::is_directory(tmp.file(rel))) << rel;
  // Over an existing file: the old bytes stay.
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("old")));
  EXPECT_FALSE(tree.write("x86_64/k.btf", bytes_of("new"), &cancel));
  EXPECT_EQ(read_text(tmp.file("x86_64/k.btf")), "old");
  EXPECT_EQ(names_in(tmp.file("x86_64")), std::vector<std::string>{"k.btf"});
  std::atomic<bool> calm{false};
  EXPECT_TRUE(tree.write("x86_64/k.btf", bytes_of("new"), &calm));
  EXPECT_EQ(read_text(tmp.file("x86_64/k.btf")), "new");
}

TEST(OutputTree, WriteThroughALinkedDirectoryThrowsAndWritesNothingOutside) {
  TempDir tmp;
  fs::create_directories(tmp.file("outside"));
  OutputTree tree(tmp.file("out"));
  fs::create_directory_symlink(tmp.file("outside"), tmp.file("out/d"));
  try {
    tree.write("d/x86_64/k.btf", bytes_of("evil"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ENOTDIR);
    EXPECT_NE(std::string(e.what()).find(tmp.file("out/d")), std::string::npos) << e.what();
  }
  EXPECT_TRUE(names_in(tmp.file("outside")).empty());
  // A link deeper down is refused the same way; so is a regular file where a directory should be.
  fs::create_directories(tmp.file("out/e"));
  fs::create_directory_symlink(tmp.file("outside"), tmp.file("out/e/x86_64"));
  EXPECT_THROW(tree.write("e/x86_64/k.btf", bytes_of("evil")), Error);
  put(tmp.file("out/f"), "file");
  EXPECT_THROW(tree.write("f/x86_64/k.btf", bytes_of("evil")), Error);
  EXPECT_TRUE(names_in(tmp.file("outside")).empty());
  // A link at the path itself is replaced by the new file, never written through.
  put(tmp.file("outside/victim"), "precious");
  fs::create_directories(tmp.file("out/x86_64"));
  fs::create_symlink(tmp.file("outside/victim"), tmp.file("out/x86_64/k.btf"));
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("new")));
  EXPECT_FALSE(fs::is_symlink(tmp.file("out/x86_64/k.btf")));
  EXPECT_EQ(read_text(tmp.file("out/x86_64/k.btf")), "new");
  EXPECT_EQ(read_text(tmp.file("outside/victim")), "precious");
}

TEST(OutputTree, HoldsOnlyARegularFileWithExactlyThoseBytes) {
  TempDir tmp;
  OutputTree tree(tmp.file("out"));
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("abcdef")));
  EXPECT_TRUE(tree.holds("x86_64/k.btf", bytes_of("abcdef")));
  EXPECT_FALSE(tree.holds("x86_64/k.btf", bytes_of("abcdeF")));   // same size, other bytes
  EXPECT_FALSE(tree.holds("x86_64/k.btf", bytes_of("abcdefg")));  // the file is shorter
  EXPECT_FALSE(tree.holds("x86_64/k.btf", bytes_of("abcde")));    // the file is longer
  EXPECT_FALSE(tree.holds("x86_64/missing.btf", bytes_of("abcdef")));
  EXPECT_FALSE(tree.holds("nodir/x86_64/k.btf", bytes_of("abcdef")));
  fs::create_symlink(tmp.file("out/x86_64/k.btf"), tmp.file("out/x86_64/link.btf"));
  EXPECT_FALSE(tree.holds("x86_64/link.btf", bytes_of("abcdef")));
  fs::create_directories(tmp.file("out/x86_64/dir.btf"));
  EXPECT_FALSE(tree.holds("x86_64/dir.btf", bytes_of("")));
  fs::create_directory_symlink(tmp.file("out/x86_64"), tmp.file("out/via"));
  EXPECT_FALSE(tree.holds("via/k.btf", bytes_of("abcdef")));  // never through a linked directory
  ASSERT_TRUE(tree.write("x86_64/empty.btf", bytes_of("")));
  EXPECT_TRUE(tree.holds("x86_64/empty.btf", bytes_of("")));
}

TEST(OutputTree, StatNeverFollowsALink) {
  TempDir tmp;
  OutputTree tree(tmp.file("out"));
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("12345")));
  const auto file = tree.stat("x86_64/k.btf");
  ASSERT_TRUE(file.has_value());
  EXPECT_TRUE(S_ISREG(file->st_mode));
  EXPECT_EQ(file->st_size, 5);
  fs::create_symlink(tmp.file("out/x86_64/k.btf"), tmp.file("out/x86_64/link.btf"));
  const auto link = tree.stat("x86_64/link.btf");
  ASSERT_TRUE(link.has_value());
  EXPECT_TRUE(S_ISLNK(link->st_mode));
  fs::create_symlink(tmp.file("nowhere"), tmp.file("out/x86_64/dangling.btf"));
  ASSERT_TRUE(tree.stat("x86_64/dangling.btf").has_value());
  EXPECT_TRUE(S_ISLNK(tree.stat("x86_64/dangling.btf")->st_mode));
  EXPECT_TRUE(S_ISDIR(tree.stat("x86_64")->st_mode));
  EXPECT_FALSE(tree.stat("x86_64/missing.btf").has_value());
  EXPECT_FALSE(tree.stat("missing/x86_64/k.btf").has_value());
  fs::create_directory_symlink(tmp.file("out/x86_64"), tmp.file("out/via"));
  EXPECT_THROW(tree.stat("via/k.btf"), Error);
}

TEST(OutputTree, RemovePrunesEmptyDirectoriesUpToTheRoot) {
  TempDir tmp;
  OutputTree tree(tmp.file("out"));
  ASSERT_TRUE(tree.write("a/b/x86_64/k.btf", bytes_of("k")));
  EXPECT_EQ(tree.remove("a/b/x86_64/k.btf"), OutputTree::Removal::Removed);
  EXPECT_TRUE(fs::is_directory(tmp.file("out")));
  EXPECT_TRUE(names_in(tmp.file("out")).empty());
  ASSERT_TRUE(tree.write("x86_64/k.btf", bytes_of("k")));
  EXPECT_EQ(tree.remove("x86_64/k.btf"), OutputTree::Removal::Removed);
  EXPECT_TRUE(fs::is_directory(tmp.file("out")));  // the root itself stays
  EXPECT_TRUE(names_in(tmp.file("out")).empty());
}

TEST(OutputTree, RemoveStopsAtTheFirstNonEmptyDirectory) {
  TempDir tmp;
  OutputTree tree(tmp.file("out"));
  ASSERT_TRUE(tree.write("a/b/x86_64/k.btf", bytes_of("k")));
  ASSERT_TRUE(tree.write("a/b/other", bytes_of("o")));
  ASSERT_TRUE(tree.write("a/keep/x86_64/k.btf", bytes_of("k")));
  EXPECT_EQ(tree.remove("a/b/x86_64/k.btf"), OutputTree::Removal::Removed);
  EXPECT_EQ(tree_of(tmp.file("out")),
            (std::vector<std::string>{"a", "a/b", "a/b/other", "a/keep", "a/keep/x86_64", "a/keep/x86_64/k.btf"}));
  ASSERT_TRUE(tree.write("a/keep/x86_64/k2.btf", bytes_of("k")));
  EXPECT_EQ(tree.remove("a/keep/x86_64/k.btf"), OutputTree::Removal::Removed);
  EXPECT_TRUE(fs::exists(tmp.file("out/a/keep/x86_64/k2.btf")));
}

TEST(OutputTree, RemoveLeavesWhatIsNotARegularFile) {
  TempDir tmp;
  OutputTree tree(tmp.file("out"));
  fs::create_directories(tmp.file("out/x86_64/dir.btf"));
  EXPECT_EQ(tree.remove("x86_64/dir.btf"), OutputTree::Removal::NotAFile);
  EXPECT_TRUE(fs::is_directory(tmp.file("out/x86_64/dir.btf")));
  put(tmp.file("target"), "precious");
  fs::create_symlink(tmp.file("target"), tmp.file("out/x86_64/link.btf"));
  EXPECT_EQ(tree.remove("x86_64/link.btf"), OutputTree::Removal::NotAFile);
  EXPECT_TRUE(fs::is_symlink(tmp.file("out/x86_64/link.btf")));
  EXPECT_EQ(read_text(tmp.file("target")), "precious");
  ASSERT_EQ(mkfifo(tmp.file("out/x86_64/fifo.btf").c_str(), 0600), 0);
  EXPECT_EQ(tree.remove("x86_64/fifo.btf"), OutputTree::Removal::NotAFile);
  EXPECT_TRUE(fs::is_fifo(tmp.file("out/x86_64/fifo.btf")));
  EXPECT_EQ(tree.remove("x86_64/missing.btf"), OutputTree::Removal::Missing);
  EXPECT_EQ(tree.remove("missing/x86_64/k.btf"), OutputTree::Removal::Missing);
}

TEST(OutputTree, RemoveNeverFollowsALinkedDirectory) {
  TempDir tmp;
  put(tmp.file("outside/x86_64/k.btf"), "not ours");
  OutputTree tree(tmp.file("out"));
  fs::create_directory_symlink(tmp.file("outside"), tmp.file("out/d"));
  EXPECT_EQ(tree.remove("d/x86_64/k.btf"), OutputTree::Removal::NotAFile);
  EXPECT_EQ(read_text(tmp.file("outside/x86_64/k.btf")), "not ours");
  EXPECT_TRUE(fs::is_symlink(tmp.file("out/d")));
  // A file where a directory should be is not ours either.
  put(tmp.file("out/f"), "file");
  EXPECT_EQ(tree.remove("f/x86_64/k.btf"), OutputTree::Removal::NotAFile);
  EXPECT_EQ(read_text(tmp.file("out/f")), "file");
}

TEST(OutputTree, LockKeepsASecondTreeOut) {
  TempDir tmp;
  auto first = std::make_unique<OutputTree>(tmp.path());
  first->lock(false, nullptr);
  OutputTree second(tmp.path());
  try {
    second.lock(false, nullptr);
    FAIL() << "second lock taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), EBUSY);
    EXPECT_NE(std::string(e.what()).find(tmp.path()), std::string::npos) << e.what();
  }
  std::atomic<bool> cancel{true};
  try {
    second.lock(true, &cancel);
    FAIL() << "second lock taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ECANCELED);
    EXPECT_NE(std::string(e.what()).find(tmp.path()), std::string::npos) << e.what();
  }
  first.reset();  // closing the root releases the lock
  EXPECT_NO_THROW(second.lock(false, nullptr));
  OutputTree third(tmp.path());
  EXPECT_THROW(third.lock(false, nullptr), Error);
}

TEST(OutputTree, MovedTreeKeepsTheLock) {
  TempDir tmp;
  OutputTree first(tmp.path());
  first.lock(false, nullptr);
  OutputTree moved(std::move(first));
  OutputTree other(tmp.path());
  EXPECT_THROW(other.lock(false, nullptr), Error);
  EXPECT_TRUE(moved.write("x86_64/k.btf", bytes_of("k")));
}

}  // namespace
}  // namespace btfgen
