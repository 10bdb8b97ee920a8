// Black-box tests of `btfgen build --cache` and `btfgen cache stats|clean` through the CLI, on a
// small archive of real corpus kernels (three aarch64 kylin kernels) and one libbpf-tools object:
// outputs with a cold cache, a warm cache, damaged entries, two concurrent builds sharing a cache
// and an unwritable cache are all byte-identical to a build without a cache; a warm run is proved a
// hit by the counters `-v` prints; `--no-cache` wins over `--cache` and BTFGEN_CACHE_DIR.
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::run_command;
using test::TempDir;

const std::vector<std::string> kKernels = {
    "kylin/V10/aarch64/4.19.90-24.4.v2101.ky10.aarch64.btf.tar.xz",
    "kylin/V10/aarch64/4.19.90-25.41.v2101.ky10.aarch64.btf.tar.xz",
    "kylin/V10/aarch64/4.19.90-52.22.v2207.ky10.aarch64.btf.tar.xz",
};

struct Counters {
  long hits = -1, misses = -1, rejected = -1, stored = -1, store_failures = -1, evicted = -1;
};

// The "cache totals (DIR): ..." line `btfgen -v build` prints at the end.
Counters counters(const CommandResult& r) {
  static const std::regex line(
      R"(cache totals \(.*\): (\d+) hits, (\d+) misses \((\d+) rejected\), (\d+) stored, (\d+) store failures, (\d+) evicted)");
  std::smatch m;
  const std::string all = r.out + r.err;
  Counters c;
  if (!std::regex_search(all, m, line)) {
    ADD_FAILURE() << "no cache totals in:\n" << all;
    return c;
  }
  c.hits = std::stol(m[1]), c.misses = std::stol(m[2]), c.rejected = std::stol(m[3]), c.stored = std::stol(m[4]);
  c.store_failures = std::stol(m[5]), c.evicted = std::stol(m[6]);
  return c;
}

// Every output file of a tree with its bytes.
std::map<std::string, std::vector<uint8_t>> tree(const std::string& root) {
  std::map<std::string, std::vector<uint8_t>> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = test::read_file_bytes(e.path().string());
  return files;
}

std::vector<std::string> entries_in(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().ends_with(".btfgen-cache")) names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  return names;
}

class CacheCli : public ::testing::Test {
 protected:
  void SetUp() override {
    BTFGEN_REQUIRE_CORPUS();
    unsetenv("BTFGEN_CACHE_DIR");
    for (const auto& k : kKernels) {
      const fs::path dest = fs::path(t.file("archive")) / k;
      fs::create_directories(dest.parent_path());
      fs::copy_file(test::kCorpusDir + "/" + k, dest);
    }
    // The reference: the same build without a cache.
    const auto r = build("ref", {"--no-cache"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    reference = tree(t.file("ref"));
    ASSERT_EQ(reference.size(), kKernels.size());
  }
  void TearDown() override { unsetenv("BTFGEN_CACHE_DIR"); }

  std::vector<std::string> build_args(const std::string& out, const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {BTFGEN_BINARY,
                                     "-v",
                                     "build",
                                     "--archive",
                                     t.file("archive"),
                                     "--arch",
                                     "arm64",
                                     "--output",
                                     t.file(out),
                                     "--jobs",
                                     "2",
                                     "--obj",
                                     test::kObjectDir + "/biolatency.bpf.o"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  CommandResult build(const std::string& out, const std::vector<std::string>& extra) const {
    return run_command(build_args(out, extra));
  }
  std::string cache() const { return t.file("cache"); }

  TempDir t;
  std::map<std::string, std::vector<uint8_t>> reference;
};

TEST_F(CacheCli, WarmCacheHitsAndGivesIdenticalOutputs) {
  const auto cold = build("o1", {"--cache", cache()});
  ASSERT_EQ(cold.exit_code, 0) << cold.out << cold.err;
  const Counters c1 = counters(cold);
  EXPECT_EQ(c1.hits, 0);
  EXPECT_EQ(c1.misses, 3);
  EXPECT_EQ(c1.stored, 3);
  EXPECT_EQ(entries_in(cache()).size(), 3u);
  EXPECT_EQ(tree(t.file("o1")), reference);

  // A fresh output directory: nothing comes from the incremental state, every kernel is built.
  const auto warm = build("o2", {"--cache", cache()});
  ASSERT_EQ(warm.exit_code, 0) << warm.out << warm.err;
  const Counters c2 = counters(warm);
  EXPECT_EQ(c2.hits, 3);
  EXPECT_EQ(c2.misses, 0);
  EXPECT_EQ(c2.stored, 0);
  EXPECT_NE(warm.err.find("3 written"), std::string::npos) << warm.err;
  EXPECT_EQ(tree(t.file("o2")), reference);
}

TEST_F(CacheCli, EnvironmentVariableAndNoCache) {
  setenv("BTFGEN_CACHE_DIR", cache().c_str(), 1);
  const auto env = build("o1", {});
  ASSERT_EQ(env.exit_code, 0) << env.out << env.err;
  EXPECT_EQ(counters(env).stored, 3);
  EXPECT_EQ(entries_in(cache()).size(), 3u);

  // --no-cache wins over both: no cache line, no new entry anywhere.
  const auto none = build("o2", {"--cache", t.file("other-cache"), "--no-cache"});
  ASSERT_EQ(none.exit_code, 0) << none.out << none.err;
  EXPECT_EQ((none.out + none.err).find("cache totals"), std::string::npos);
  EXPECT_FALSE(fs::exists(t.file("other-cache")));
  EXPECT_EQ(tree(t.file("o2")), reference);

  // --cache wins over the environment.
  const auto option = build("o3", {"--cache", t.file("other-cache")});
  ASSERT_EQ(option.exit_code, 0) << option.out << option.err;
  EXPECT_EQ(counters(option).hits, 0);
  EXPECT_EQ(entries_in(t.file("other-cache")).size(), 3u);
}

TEST_F(CacheCli, DamagedEntriesFallBackToTheTarballs) {
  ASSERT_EQ(build("o1", {"--cache", cache()}).exit_code, 0);
  auto entries = entries_in(cache());
  ASSERT_EQ(entries.size(), 3u);
  // A bit flip, a truncation, a directory in place.
  {
    auto bytes = test::read_file_bytes(entries[0]);
    bytes[bytes.size() / 2] ^= 0x40;
    std::ofstream(entries[0], std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  fs::resize_file(entries[1], 100);
  fs::remove(entries[2]);
  fs::create_directory(entries[2]);

  const auto r = build("o2", {"--cache", cache()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Counters c = counters(r);
  EXPECT_EQ(c.hits, 0);
  EXPECT_EQ(c.rejected, 3);
  EXPECT_EQ(c.stored, 2);  // the directory stays where it is
  EXPECT_EQ(c.store_failures, 1);
  EXPECT_NE(r.err.find("cache rejected"), std::string::npos) << r.err;
  EXPECT_EQ(tree(t.file("o2")), reference);
  EXPECT_TRUE(fs::is_directory(entries[2]));

  const auto healed = build("o3", {"--cache", cache()});
  ASSERT_EQ(healed.exit_code, 0) << healed.out << healed.err;
  EXPECT_EQ(counters(healed).hits, 2);
  EXPECT_EQ(tree(t.file("o3")), reference);
}

TEST_F(CacheCli, TwoConcurrentBuildsShareOneCache) {
  for (int round = 0; round < 2; ++round) {  // both cold, then both warm
    const std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
    const pid_t pa = test::spawn(build_args(a, {"--cache", cache()}), t.file(a + ".out"), t.file(a + ".err"));
    const pid_t pb = test::spawn(build_args(b, {"--cache", cache()}), t.file(b + ".out"), t.file(b + ".err"));
    for (const pid_t p : {pa, pb}) {
      int status = 0;
      ASSERT_EQ(waitpid(p, &status, 0), p);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    EXPECT_EQ(tree(t.file(a)), reference) << round;
    EXPECT_EQ(tree(t.file(b)), reference) << round;
  }
  EXPECT_EQ(entries_in(cache()).size(), 3u);
  // No temporary file left behind by either writer.
  for (const auto& e : fs::directory_iterator(cache()))
    EXPECT_FALSE(e.path().filename().string().starts_with(".btfgen-cache-tmp-")) << e.path();
  const auto after = build("o", {"--cache", cache()});
  EXPECT_EQ(counters(after).hits, 3);
}

TEST_F(CacheCli, UnwritableCacheIsOneWarningAndTheBuildSucceeds) {
  std::ofstream(t.file("a-file")) << "x";
  const std::string bad = t.file("a-file/cache");  // a path under a regular file: not even root writes it
  const auto r = build("o1", {"--cache", bad});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string all = r.out + r.err;
  size_t warnings = 0;
  for (size_t at = all.find("warning: "); at != std::string::npos; at = all.find("warning: ", at + 1)) ++warnings;
  EXPECT_EQ(warnings, 1u) << all;
  EXPECT_NE(all.find("warning: " + bad), std::string::npos) << all;
  EXPECT_EQ(tree(t.file("o1")), reference);
}

TEST_F(CacheCli, CacheMaxEvictsLeastRecentlyUsed) {
  ASSERT_EQ(build("o1", {"--cache", cache()}).exit_code, 0);
  const auto entries = entries_in(cache());
  ASSERT_EQ(entries.size(), 3u);
  uint64_t largest = 0;
  for (const auto& e : entries) largest = std::max<uint64_t>(largest, fs::file_size(e));
  // Room for one entry (the largest): two are evicted at the end of the run.
  const auto r = build("o2", {"--cache", cache(), "--cache-max", std::to_string(largest)});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(counters(r).hits, 3);
  EXPECT_EQ(counters(r).evicted, 2);
  EXPECT_EQ(entries_in(cache()).size(), 1u);
  EXPECT_EQ(tree(t.file("o2")), reference);

  const auto malformed = build("o3", {"--cache", cache(), "--cache-max", "lots"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("--cache-max 'lots'"), std::string::npos) << malformed.err;
}

TEST_F(CacheCli, StatsAndCleanLeaveForeignFilesAlone) {
  ASSERT_EQ(build("o1", {"--cache", cache()}).exit_code, 0);
  std::ofstream(cache() + "/README") << "mine";

  const auto stats = run_command({BTFGEN_BINARY, "cache", "stats", "--cache", cache()});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("entries: 3 ("), std::string::npos) << stats.out;
  EXPECT_NE(stats.out.find("(not btfgen's, never touched): 1\n"), std::string::npos) << stats.out;

  setenv("BTFGEN_CACHE_DIR", cache().c_str(), 1);  // the same directory through the environment
  const auto clean = run_command({BTFGEN_BINARY, "cache", "clean"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_NE(clean.out.find("removed 3 files"), std::string::npos) << clean.out;
  EXPECT_TRUE(entries_in(cache()).empty());
  EXPECT_TRUE(test::file_exists(cache() + "/README"));
  unsetenv("BTFGEN_CACHE_DIR");

  const auto nowhere = run_command({BTFGEN_BINARY, "cache", "stats"});
  EXPECT_EQ(nowhere.exit_code, 2);
  EXPECT_NE(nowhere.err.find("BTFGEN_CACHE_DIR"), std::string::npos) << nowhere.err;
}

}  // namespace
}  // namespace btfgen
