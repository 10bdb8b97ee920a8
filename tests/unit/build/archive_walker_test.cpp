// The archive walker over the real corpus (aliases, globs) and over small crafted trees (depth,
// plain .btf, hidden directories, tarball preference). Hostile trees are in tests/cli/build_hostile_test.cpp.
#include "btfgen/build/archive_walker.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "btfgen/common/error.h"
#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::vector<std::string> relatives(const ArchiveWalk& walk, bool selected_only = false) {
  std::vector<std::string> out;
  for (const auto& k : walk.kernels) {
    if (!selected_only || k.selected) out.push_back(k.output_relative);
  }
  return out;
}

TEST(ArchiveWalker, AliasesFindTheSameKernels) {
  BTFGEN_REQUIRE_CORPUS();
  const auto x86 = relatives(walk_archive(test::kCorpusDir, "x86_64"));
  EXPECT_EQ(x86.size(), 25u);
  EXPECT_EQ(relatives(walk_archive(test::kCorpusDir, "amd64")), x86);
  EXPECT_EQ(relatives(walk_archive(test::kCorpusDir, "x86")), x86);
  const auto arm = relatives(walk_archive(test::kCorpusDir, "arm64"));
  EXPECT_EQ(arm.size(), 45u);  // arm64 and aarch64 directories both
  EXPECT_EQ(relatives(walk_archive(test::kCorpusDir, "aarch64")), arm);
  EXPECT_TRUE(std::is_sorted(arm.begin(), arm.end()));
  EXPECT_NE(std::find(arm.begin(), arm.end(), "kylin/V10/aarch64/4.19.90-52.22.v2207.ky10.aarch64.btf"), arm.end());
  const auto walk = walk_archive(test::kCorpusDir, "riscv64");
  EXPECT_TRUE(walk.kernels.empty());
  EXPECT_EQ(walk.arch_dirs, (std::vector<std::string>{"aarch64", "arm64", "x86_64"}));
}

TEST(ArchiveWalker, AnyDepthPlainBtfHiddenDirsAndTarballPreference) {
  TempDir archive;
  auto touch = [&](const std::string& rel) {
    fs::create_directories(fs::path(archive.file(rel)).parent_path());
    std::ofstream(archive.file(rel)) << "x";
  };
  touch("x86_64/top.btf.tar.xz");      // arch dir at the root
  touch("1/x86_64/stray.btf.tar.xz");  // btfhub's stray 1/x86_64
  touch("a/b/c/d/amd64/deep.btf");     // plain .btf, deep, alias
  touch("a/b/x86_64/both.btf");        // both forms: the tarball wins
  touch("a/b/x86_64/both.btf.tar.xz");
  touch("a/b/x86_64/readme.txt");             // not a kernel
  touch("a/b/x86_64/sub/nested.btf.tar.xz");  // parent is not an arch dir
  touch(".git/x86_64/hidden.btf.tar.xz");     // hidden tree
  touch("a/b/x86_64/.btfgen-tmp-Ab12Cd");     // temp file of an interrupted writer
  touch("out/x86_64/old.btf");                // the output dir inside the archive
  const auto walk = walk_archive(archive.path(), "x86_64", {.skip_dir = archive.file("out")});
  EXPECT_EQ(relatives(walk), (std::vector<std::string>{"1/x86_64/stray.btf", "a/b/c/d/amd64/deep.btf",
                                                       "a/b/x86_64/both.btf", "x86_64/top.btf"}));
  for (const auto& k : walk.kernels) {
    if (k.output_relative == "a/b/x86_64/both.btf") {
      EXPECT_EQ(k.input_relative, "a/b/x86_64/both.btf.tar.xz");
    }
    EXPECT_EQ(k.input_size, 1u);
  }
  EXPECT_THROW(walk_archive(archive.file("missing"), "x86_64"), Error);
}

TEST(ArchiveWalker, IncludeAndExcludeGlobs) {
  BTFGEN_REQUIRE_CORPUS();
  const auto walk =
      walk_archive(test::kCorpusDir, "arm64", {.include = {"debian/*", "kylin/*"}, .exclude = {"*-rt-*", "*v2207*"}});
  const auto selected = relatives(walk, true);
  EXPECT_EQ(walk.kernels.size(), 45u);  // filtered-out kernels are still known (not "gone")
  EXPECT_EQ(walk.selected_count(), selected.size());
  ASSERT_FALSE(selected.empty());
  for (const auto& rel : selected) {
    EXPECT_TRUE(rel.starts_with("debian/") || rel.starts_with("kylin/")) << rel;
    EXPECT_EQ(rel.find("-rt-"), std::string::npos) << rel;
    EXPECT_EQ(rel.find("v2207"), std::string::npos) << rel;
  }
  EXPECT_NE(std::find(selected.begin(), selected.end(), "kylin/V10/aarch64/4.19.90-24.4.v2101.ky10.aarch64.btf"),
            selected.end());
  // A glob also matches the input name, with its .tar.xz.
  EXPECT_EQ(walk_archive(test::kCorpusDir, "x86_64", {.include = {"*bclinux*.btf.tar.xz"}}).selected_count(), 1u);
}

}  // namespace
}  // namespace btfgen
