// From tree to what a program embeds, through the CLI (issue 8): the output tree holds nothing but
// the minimized .btf files (the state lives beside it, an old in-tree state is migrated), so two
// builds of the same inputs give byte-identical trees and packs, whatever the time, --jobs or umask;
// `build --pack` and `pack TREE` give the same bytes; --arch-dir spells the arch directory as the
// consumers look it up; and every file written beside the tree stays out of it.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using btfgen::test::CommandResult;
using btfgen::test::read_file_bytes;
using btfgen::test::run_command;
using btfgen::test::TempDir;
using Bytes = std::vector<uint8_t>;

const std::string kData = BTFGEN_TEST_DATA_DIR;

CommandResult btfgen(std::vector<std::string> args) {
  args.insert(args.begin(), BTFGEN_BINARY);
  return run_command(args);
}

std::vector<std::string> corpus_build(const std::string& out, std::vector<std::string> extra) {
  std::vector<std::string> args = {"build", "--archive", btfgen::test::kCorpusDir, "--arch", "x86_64", "--output", out};
  for (const auto& o : btfgen::test::corpus_objects()) args.insert(args.end(), {"--obj", o});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Every file under ROOT (any kind but directories) with its bytes.
std::map<std::string, Bytes> tree_files(const std::string& root) {
  std::map<std::string, Bytes> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_directory()) continue;
    files[fs::relative(e.path(), root).string()] = e.is_regular_file() ? read_file_bytes(e.path()) : Bytes{};
  }
  return files;
}

// Sets the umask for the scope (the spawned btfgen inherits it).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ~ScopedUmask() { umask(old_); }

 private:
  mode_t old_;
};

TEST(Embedding, TwoBuildsGiveIdenticalTreesAndPacksWhateverJobsUmaskOrTime) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  const std::string a = t.file("a"), b = t.file("b");
  {
    ScopedUmask mask(022);
    const auto r = btfgen(corpus_build(a, {"--jobs", "1", "--pack", t.file("a.tar.gz")}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  sleep(1);
  {
    ScopedUmask mask(077);
    const auto r = btfgen(corpus_build(b, {"--jobs", "2", "--pack", t.file("b.tar.gz")}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const auto files = tree_files(a);
  EXPECT_EQ(files.size(), 25u);
  for (const auto& [name, _] : files) EXPECT_TRUE(name.ends_with(".btf")) << name << " is not a minimized BTF";
  EXPECT_EQ(tree_files(b), files);
  EXPECT_EQ(read_file_bytes(t.file("a.tar.gz")), read_file_bytes(t.file("b.tar.gz")));
  // The state is beside the tree, not in it.
  EXPECT_TRUE(fs::is_regular_file(a + ".btfgen-state-x86_64.tsv"));

  // `pack TREE` gives the bytes `build --pack` gave, for every format.
  for (const std::string suffix : {".tar.gz", ".tar.xz"}) {
    ASSERT_EQ(btfgen({"build", "--archive", btfgen::test::kCorpusDir, "--arch", "x86_64", "--output", a, "--obj",
                      btfgen::test::kObjectDir + "/execsnoop.bpf.o", "--pack", t.file("built" + suffix)})
                  .exit_code,
              0);
    ASSERT_EQ(btfgen({"pack", a, t.file("packed" + suffix)}).exit_code, 0);
    EXPECT_EQ(read_file_bytes(t.file("built" + suffix)), read_file_bytes(t.file("packed" + suffix))) << suffix;
  }
}

TEST(Embedding, AnInTreeStateIsMigratedAndTheUnchangedPathStillTaken) {
  const std::string kernel = kData + "/targets/base.btf", object = kData + "/fields.bpf.o";
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("btfs");
  fs::create_directories(archive + "/d/1/x86_64");
  fs::copy_file(kernel, archive + "/d/1/x86_64/k.btf");
  const std::vector<std::string> args = {"build", "--archive", archive,    "--arch", "x86_64",
                                         "--obj", object,      "--output", out};
  ASSERT_EQ(btfgen(args).exit_code, 0);
  // The layout of earlier releases: the state inside the tree.
  fs::rename(out + ".btfgen-state-x86_64.tsv", out + "/.btfgen-state-x86_64.tsv");
  const auto r = btfgen(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 kernels found, 0 written, 1 unchanged"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out + "/.btfgen-state-x86_64.tsv"));
  EXPECT_TRUE(fs::is_regular_file(out + ".btfgen-state-x86_64.tsv"));
  const auto again = btfgen(args);
  EXPECT_NE(again.err.find("0 written, 1 unchanged"), std::string::npos) << again.err;
}

TEST(Embedding, ArchDirSpellsTheOutputsAsTheConsumerLooksThemUp) {
  const std::string kernel = kData + "/targets/base.btf", object = kData + "/fields.bpf.o";
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("btfs");
  for (const std::string rel : {"centos/8/arm64/k.btf", "centos/8/aarch64/k.btf", "ubuntu/20.04/arm64/j.btf"}) {
    fs::create_directories(fs::path(archive + "/" + rel).parent_path());
    fs::copy_file(kernel, archive + "/" + rel);
  }
  const auto r = btfgen(
      {"build", "--archive", archive, "--arch", "arm64", "--arch-dir", "aarch64", "--obj", object, "--output", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/ubuntu/20.04/aarch64/j.btf"));
  EXPECT_TRUE(fs::is_regular_file(out + "/centos/8/aarch64/k.btf"));
  EXPECT_FALSE(fs::exists(out + "/ubuntu/20.04/arm64"));
  EXPECT_NE(r.err.find("centos/8/arm64/k.btf: skipped, gives the same output as centos/8/aarch64/k.btf"),
            std::string::npos)
      << r.err;
  // Switching back: the aarch64 outputs left the archive as such, and go.
  const auto back = btfgen({"build", "--archive", archive, "--arch", "arm64", "--obj", object, "--output", out});
  EXPECT_EQ(back.exit_code, 0) << back.err;
  EXPECT_TRUE(fs::is_regular_file(out + "/ubuntu/20.04/arm64/j.btf"));
  EXPECT_FALSE(fs::exists(out + "/ubuntu/20.04/aarch64"));
}

TEST(Embedding, FilesBesideTheTreeStayOutOfItAndBadPacksAreRefusedBeforeWork) {
  const std::string kernel = kData + "/targets/base.btf", object = kData + "/fields.bpf.o";
  TempDir t;
  const std::string archive = t.file("archive"), out = t.file("btfs");
  fs::create_directories(archive + "/d/1/x86_64");
  fs::copy_file(kernel, archive + "/d/1/x86_64/k.btf");
  const std::vector<std::string> base = {"build", "--archive", archive,    "--arch", "x86_64",
                                         "--obj", object,      "--output", out};
  fs::create_directories(out);
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{{"--state", out + "/state.tsv"},
                                                                                     {"--json", out + "/m.json"},
                                                                                     {"--pack", out + "/p.tar.gz"},
                                                                                     {"--pack", t.file("p.zip")},
                                                                                     {"--arch-dir", "a/b"}}) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = btfgen(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0] << " " << extra[1] << ": " << r.err;
    EXPECT_TRUE(fs::is_empty(out)) << "work was done before the refusal";
  }
  auto args = base;
  args.insert(args.end(), {"--state", t.file("elsewhere/state.tsv")});
  fs::create_directories(t.file("elsewhere"));
  EXPECT_EQ(btfgen(args).exit_code, 0);
  EXPECT_TRUE(fs::is_regular_file(t.file("elsewhere/state.tsv")));
  EXPECT_FALSE(fs::exists(out + ".btfgen-state-x86_64.tsv"));
}

TEST(Embedding, PackCommandErrors) {
  TempDir t;
  fs::create_directories(t.file("empty/d/1/x86_64"));
  const auto empty = btfgen({"pack", t.file("empty"), t.file("p.tar.gz")});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("no .btf file in the tree"), std::string::npos) << empty.err;
  const auto suffix = btfgen({"pack", t.file("empty"), t.file("p.rar")});
  EXPECT_EQ(suffix.exit_code, 2);
  EXPECT_NE(suffix.err.find(".tar, .tar.gz, .tgz, .tar.xz, .tar.zst, .c"), std::string::npos) << suffix.err;
  EXPECT_FALSE(fs::exists(t.file("p.tar.gz")));
}

}  // namespace
