// The state file: round trip with escaped names and errors, no rewrite when unchanged, garbage and
// missing files read as empty. Forged and hostile states are in tests/cli/build_hostile_test.cpp.
#include "btfgen/build/build_state.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "common/fd.h"
#include "test_support.h"

namespace btfgen {
namespace {

using test::TempDir;

// Inode and mtime: what a rewrite would change.
std::pair<ino_t, int64_t> file_id(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return {st.st_ino, mtime_ns(st)};
}

std::string read_text(const std::string& path) {
  const auto bytes = test::read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

TEST(BuildState, RoundTripAndNoRewriteWhenEqual) {
  TempDir t;
  const std::vector<std::string> arch = {"x86_64"};
  BuildState entries;
  entries["z/x86_64/b.btf"] = {.output_relative = "z/x86_64/b.btf",
                               .fingerprint = "f1",
                               .input_size = 10,
                               .input_mtime_ns = 20,
                               .output_size = 30,
                               .output_mtime_ns = 40,
                               .output_sha256 = "abc"};
  entries["a/x86_64/a.btf"] = {.output_relative = "a/x86_64/a.btf",
                               .status = KernelStatus::Failed,
                               .fingerprint = "f2",
                               .input_size = 11,
                               .input_mtime_ns = 21,
                               .error = "bad\ttarball\nsecond \\line"};
  const std::string path = state_file_path(t.path(), "amd64");
  EXPECT_EQ(path, t.path() + ".btfgen-state-x86_64.tsv");  // beside the output directory, not in it
  EXPECT_EQ(state_file_path(t.path() + "/", "x86"), path);
  EXPECT_EQ(legacy_state_file_path(t.path(), "aarch64"), t.path() + "/.btfgen-state-arm64.tsv");
  write_state(path, entries);
  const auto read = read_state(path, arch);
  EXPECT_TRUE(read.warnings.empty());
  const auto& back = read.entries;
  ASSERT_EQ(back.size(), 2u);
  const KernelRecord& a = back.at("a/x86_64/a.btf");
  EXPECT_EQ(a.status, KernelStatus::Failed);
  EXPECT_EQ(a.error, "bad\ttarball\nsecond \\line");  // escaped in the file, exact once read
  const KernelRecord& b = back.at("z/x86_64/b.btf");
  EXPECT_TRUE(b.has_output());
  EXPECT_EQ(b.fingerprint, "f1");
  EXPECT_EQ(b.input_size, 10u);
  EXPECT_EQ(b.input_mtime_ns, 20);
  EXPECT_EQ(b.output_size, 30u);
  EXPECT_EQ(b.output_mtime_ns, 40);
  EXPECT_EQ(b.output_sha256, "abc");
  const std::string text = read_text(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);  // header + 2 lines: LF and TAB escaped

  const auto before = file_id(path);
  write_state(path, back);
  EXPECT_EQ(file_id(path), before);

  std::ofstream(t.file("garbage.tsv")) << "not a state file\n";
  EXPECT_TRUE(read_state(t.file("garbage.tsv"), arch).entries.empty());
  EXPECT_TRUE(read_state(t.file("missing.tsv"), arch).entries.empty());
}

}  // namespace
}  // namespace btfgen
