// Black-box tests of `btfgen build` through the CLI: runner, incremental state, manifest, exit codes.
//
// The backbone: the build over the shared corpus equals the tree bpftool makes (bpftool-reference),
// for both arches with all 61 libbpf-tools objects merged. The rest uses small temporary archives
// made of real corpus kernels (and a garbage tarball) to check aliases, filters, incremental runs,
// failures, the manifest, setup errors and Ctrl-C.
#include "btfgen/build.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "btfgen/common/error.h"
#include "common/sha256.h"
#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::run_command;
using test::TempDir;

const std::string& kShared = test::kSharedDir;
const std::string& kCorpus = test::kCorpusDir;
const std::string& kObjectDir = test::kObjectDir;

// Small real kernels used to make temporary archives.
const std::string kBclinux = "bclinux/21.10U3/x86_64/4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64.btf.tar.xz";
const std::string kKylinA = "kylin/V10/aarch64/4.19.90-24.4.v2101.ky10.aarch64.btf.tar.xz";
const std::string kKylinB = "kylin/V10/aarch64/4.19.90-25.41.v2101.ky10.aarch64.btf.tar.xz";
const std::string kKylinC = "kylin/V10/aarch64/4.19.90-52.22.v2207.ky10.aarch64.btf.tar.xz";

std::vector<std::string> all_objects() { return test::corpus_objects(); }

CommandResult btfgen_build(std::vector<std::string> args) {
  args.insert(args.begin(), {BTFGEN_BINARY, "build"});
  return run_command(args);
}

std::vector<std::string> with_objects(std::vector<std::string> args, const std::vector<std::string>& objects) {
  for (const auto& o : objects) {
    args.push_back("--obj");
    args.push_back(o);
  }
  return args;
}

// Copies corpus kernel REL to ARCHIVE/DEST_REL (writable copy).
void add_kernel(const std::string& archive, const std::string& rel, const std::string& dest_rel) {
  const fs::path dest = fs::path(archive) / dest_rel;
  fs::create_directories(dest.parent_path());
  fs::remove(dest);
  fs::copy_file(kCorpus + "/" + rel, dest);
  fs::permissions(dest, fs::perms::owner_write, fs::perm_options::add);
}

std::vector<std::string> btf_files(const std::string& root) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file() && e.path().string().ends_with(".btf")) {
      files.push_back(fs::relative(e.path(), root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> temp_files(const std::string& root) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.path().filename().string().starts_with(".btfgen-tmp-")) files.push_back(e.path().string());
  }
  return files;
}

struct FileId {
  ino_t inode = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileId&) const = default;
};
FileId file_id(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return {st.st_ino, int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::string read_text(const std::string& path) {
  const auto bytes = test::read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

// "N written" etc. from the closing summary line.
// (Diagnostics go to stderr; stdout is accepted too.)
std::string summary_line(const CommandResult& r) {
  const std::string all = r.out + r.err;
  const auto pos = all.rfind("btfgen build: ");
  return pos == std::string::npos ? std::string() : all.substr(pos, all.find('\n', pos) - pos);
}

// bpftool's tree for ARCH over the corpus with all objects, made once per test process.
std::string reference_tree(const std::string& bpftool_reference, const std::string& arch) {
  static std::map<std::string, std::unique_ptr<TempDir>> cache;
  auto& dir = cache[arch];
  if (!dir) {
    dir = std::make_unique<TempDir>();
    std::vector<std::string> args = {
        bpftool_reference, "-j", std::to_string(std::max(1u, std::thread::hardware_concurrency())),
        kCorpus,           arch, dir->file("ref")};
    const auto objects = all_objects();
    args.insert(args.end(), objects.begin(), objects.end());
    const auto r = run_command(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  return dir->file("ref");
}

void expect_corpus_equals_bpftool(const std::string& arch) {
  BTFGEN_REQUIRE_TOOL(bpftool, "bpftool");
  const std::string ref = reference_tree(kShared + "/tools/bpftool-reference", arch);
  const size_t ref_failed = [&] {
    const std::string failed = read_text(ref + "/FAILED.tsv");
    return static_cast<size_t>(std::count(failed.begin(), failed.end(), '\n'));
  }();

  TempDir out;
  const auto r = btfgen_build(
      with_objects({"--archive", kCorpus, "--arch", arch, "--output", out.file("btfs"), "--jobs", "2"}, all_objects()));
  EXPECT_EQ(r.exit_code, ref_failed ? 1 : 0) << r.out << r.err;
  EXPECT_NE(summary_line(r).find(std::to_string(ref_failed) + " failed"), std::string::npos) << r.out << r.err;

  const auto cmp = run_command({kShared + "/tools/compare-trees", ref, out.file("btfs")});
  EXPECT_EQ(cmp.exit_code, 0) << cmp.out << cmp.err;
  EXPECT_NE(cmp.out.find("different: 0, missing: 0, extra: 0"), std::string::npos) << cmp.out;
  EXPECT_GT(btf_files(out.file("btfs")).size(), 0u);
}

TEST(BuildCorpus, X86_64EqualsBpftoolTree) {
  BTFGEN_REQUIRE_CORPUS();
  expect_corpus_equals_bpftool("x86_64");
}

TEST(BuildCorpus, Arm64EqualsBpftoolTree) {
  BTFGEN_REQUIRE_CORPUS();
  expect_corpus_equals_bpftool("arm64");
}

TEST(BuildCorpus, UnchangedRebuildRewritesNothing) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir out;
  const auto args =
      with_objects({"--archive", kCorpus, "--arch", "x86_64", "--output", out.file("btfs")}, all_objects());
  const auto first = btfgen_build(args);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const auto files = btf_files(out.file("btfs"));
  ASSERT_EQ(files.size(), 25u);
  std::map<std::string, FileId> before;
  for (const auto& f : files) before[f] = file_id(out.file("btfs/" + f));
  const FileId state_before = file_id(out.file("btfs.btfgen-state-x86_64.tsv"));

  const auto second = btfgen_build(args);
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(summary_line(second).find("25 kernels found, 0 written, 25 unchanged, 0 failed, 0 removed"),
            std::string::npos)
      << second.out;
  for (const auto& f : files) EXPECT_EQ(file_id(out.file("btfs/" + f)), before[f]) << f;
  EXPECT_EQ(file_id(out.file("btfs.btfgen-state-x86_64.tsv")), state_before);
}

// ---- CLI over small archives -------------------------------------------------------------------

TEST(BuildCli, AliasDirectoriesAreKeptInTheOutputPath) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  add_kernel(t.file("a"), kBclinux, "distro/1/amd64/k.btf.tar.xz");
  add_kernel(t.file("a"), kBclinux, "1/x86_64/k.btf.tar.xz");
  add_kernel(t.file("a"), kKylinA, "other/1/aarch64/k.btf.tar.xz");
  const std::string obj = kObjectDir + "/biolatency.bpf.o";
  const auto r = btfgen_build({"--archive", t.file("a"), "--arch", "x86", "--obj", obj, "--output", t.file("o")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(btf_files(t.file("o")), (std::vector<std::string>{"1/x86_64/k.btf", "distro/1/amd64/k.btf"}));
  EXPECT_EQ(test::read_file_bytes(t.file("o/1/x86_64/k.btf")), test::read_file_bytes(t.file("o/distro/1/amd64/k.btf")));

  const auto arm = btfgen_build({"--archive", t.file("a"), "--arch", "arm64", "--obj", obj, "--output", t.file("o")});
  ASSERT_EQ(arm.exit_code, 0) << arm.out << arm.err;
  // A run for another arch in the same output dir keeps the first arch's outputs (separate state).
  EXPECT_EQ(btf_files(t.file("o")),
            (std::vector<std::string>{"1/x86_64/k.btf", "distro/1/amd64/k.btf", "other/1/aarch64/k.btf"}));
}

TEST(BuildCli, FiltersChooseTheKernelsBuilt) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir out;
  const auto r =
      btfgen_build({"--archive", kCorpus, "--arch", "aarch64", "--include", "kylin/*", "--include", "centos/*",
                    "--exclude", "*v2207*", "--obj", kObjectDir + "/biolatency.bpf.o", "--output", out.path()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(btf_files(out.path()),
            (std::vector<std::string>{"centos/8/aarch64/4.18.0-147.5.1.el8_1.aarch64.btf",
                                      "kylin/V10/aarch64/4.19.90-24.4.v2101.ky10.aarch64.btf",
                                      "kylin/V10/aarch64/4.19.90-25.41.v2101.ky10.aarch64.btf"}));
  EXPECT_NE(summary_line(r).find("3 kernels found, 3 written"), std::string::npos) << r.out << r.err;

  // Narrowing the filter later does not delete what the other kernels produced: they did not leave
  // the archive.
  const auto narrower = btfgen_build({"--archive", kCorpus, "--arch", "aarch64", "--include", "kylin/*", "--obj",
                                      kObjectDir + "/biolatency.bpf.o", "--output", out.path()});
  ASSERT_EQ(narrower.exit_code, 0) << narrower.out << narrower.err;
  EXPECT_NE(summary_line(narrower).find("0 removed"), std::string::npos) << narrower.out;
  EXPECT_TRUE(test::file_exists(out.file("centos/8/aarch64/4.18.0-147.5.1.el8_1.aarch64.btf")));
}

struct Manifest {
  std::string text;
  // The one-line entry of REL ("" when absent).
  std::string entry(const std::string& rel) const {
    const auto pos = text.find("{\"path\": \"" + rel + "\"");
    if (pos == std::string::npos) return {};
    std::string line = text.substr(pos, text.find('\n', pos) - pos);
    if (line.ends_with(",")) line.pop_back();
    return line;
  }
};

TEST(BuildCli, IncrementalObjectTarballAndRemovedKernel) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  const std::string a = t.file("archive"), o = t.file("out"), m = t.file("m.json");
  add_kernel(a, kKylinA, "kylin/V10/aarch64/a.btf.tar.xz");
  add_kernel(a, kKylinB, "kylin/V10/aarch64/b.btf.tar.xz");
  add_kernel(a, kKylinC, "gone/1/aarch64/c.btf.tar.xz");
  const std::string obj = t.file("obj.bpf.o");
  fs::copy_file(kObjectDir + "/biolatency.bpf.o", obj);
  fs::permissions(obj, fs::perms::owner_write, fs::perm_options::add);
  const std::vector<std::string> base = {"--archive", a, "--arch", "arm64", "--output", o, "--json", m, "--obj", obj};
  const std::vector<std::string> outs = {"gone/1/aarch64/c.btf", "kylin/V10/aarch64/a.btf", "kylin/V10/aarch64/b.btf"};
  auto ids = [&] {
    std::map<std::string, FileId> m;
    for (const auto& f : btf_files(o)) m[f] = file_id(o + "/" + f);
    return m;
  };

  auto r = btfgen_build(base);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(btf_files(o), outs);
  const auto first = ids();

  // 1. Nothing changed: everything from the state, nothing rewritten.
  r = btfgen_build(base);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(summary_line(r).find("3 kernels found, 0 written, 3 unchanged"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(ids(), first);
  Manifest manifest{read_text(m)};
  for (const auto& f : outs)
    EXPECT_NE(manifest.entry(f).find("\"status\": \"unchanged\", \"cached\": true"), std::string::npos) << f;

  // 2. The object's bytes changed (trailing padding) but not what it needs: every kernel is rebuilt,
  //    none rewritten.
  {
    std::ofstream(obj, std::ios::app | std::ios::binary) << std::string(64, '\0');
  }
  r = btfgen_build(base);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(summary_line(r).find("0 written, 3 unchanged"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(ids(), first);
  manifest = Manifest{read_text(m)};
  for (const auto& f : outs)
    EXPECT_NE(manifest.entry(f).find("\"status\": \"unchanged\", \"cached\": false"), std::string::npos) << f;

  // 3. Another object joins: outputs change and are rewritten.
  auto more = base;
  more.insert(more.end(), {"--obj", kObjectDir + "/execsnoop.bpf.o"});
  r = btfgen_build(more);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(summary_line(r).find("3 written, 0 unchanged"), std::string::npos) << r.out << r.err;
  const auto second = ids();
  for (const auto& f : outs) EXPECT_NE(second.at(f).inode, first.at(f).inode) << f;

  // 4. One tarball changed (now holds another kernel): only that kernel is rebuilt and rewritten.
  add_kernel(a, kKylinC, "kylin/V10/aarch64/a.btf.tar.xz");
  r = btfgen_build(more);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  manifest = Manifest{read_text(m)};
  EXPECT_NE(manifest.entry("kylin/V10/aarch64/a.btf").find("\"status\": \"written\", \"cached\": false"),
            std::string::npos)
      << manifest.text;
  EXPECT_NE(manifest.entry("kylin/V10/aarch64/b.btf").find("\"cached\": true"), std::string::npos) << manifest.text;
  EXPECT_NE(manifest.entry("gone/1/aarch64/c.btf").find("\"cached\": true"), std::string::npos) << manifest.text;
  EXPECT_EQ(test::read_file_bytes(o + "/kylin/V10/aarch64/a.btf"), test::read_file_bytes(o + "/gone/1/aarch64/c.btf"));

  // 5. A kernel left the archive: its output is removed (and its now-empty directories), and said so.
  fs::remove(a + "/gone/1/aarch64/c.btf.tar.xz");
  r = btfgen_build(more);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(summary_line(r).find("2 kernels found, 0 written, 2 unchanged, 0 failed, 1 removed"), std::string::npos)
      << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("removed gone/1/aarch64/c.btf"), std::string::npos) << r.out << r.err;
  EXPECT_FALSE(fs::exists(o + "/gone"));
  manifest = Manifest{read_text(m)};
  EXPECT_NE(manifest.entry("gone/1/aarch64/c.btf").find("\"status\": \"removed\""), std::string::npos) << manifest.text;

  // 6. An output deleted or edited by hand is rebuilt.
  fs::remove(o + "/kylin/V10/aarch64/b.btf");
  r = btfgen_build(more);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(summary_line(r).find("1 written, 1 unchanged"), std::string::npos) << r.out << r.err;
  EXPECT_TRUE(test::file_exists(o + "/kylin/V10/aarch64/b.btf"));
  EXPECT_TRUE(temp_files(o).empty());
}

TEST(BuildCli, CorruptTarballFailsAloneAndAllowFailuresExitsZero) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  const std::string a = t.file("archive"), o = t.file("out");
  add_kernel(a, kKylinA, "kylin/V10/aarch64/a.btf.tar.xz");
  add_kernel(a, kKylinB, "kylin/V10/aarch64/b.btf.tar.xz");
  fs::create_directories(a + "/broken/1/arm64");
  std::ofstream(a + "/broken/1/arm64/garbage.btf.tar.xz") << std::string(4096, 'x');
  const std::vector<std::string> args = {"--archive", a,
                                         "--arch",    "arm64",
                                         "--output",  o,
                                         "--jobs",    "2",
                                         "--obj",     kObjectDir + "/biolatency.bpf.o",
                                         "--obj",     kObjectDir + "/opensnoop.bpf.o"};
  auto r = btfgen_build(args);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(btf_files(o), (std::vector<std::string>{"kylin/V10/aarch64/a.btf", "kylin/V10/aarch64/b.btf"}));
  EXPECT_NE((r.out + r.err).find("failed  broken/1/arm64/garbage.btf: "), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("garbage.btf.tar.xz"), std::string::npos)
      << r.out << r.err;  // the reason names the file
  EXPECT_NE(summary_line(r).find("3 kernels found, 2 written, 0 unchanged, 1 failed"), std::string::npos)
      << r.out << r.err;

  auto allowed = args;
  allowed.push_back("--allow-failures");
  r = btfgen_build(allowed);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("failed  broken/1/arm64/garbage.btf: "), std::string::npos)
      << r.out << r.err;  // still reported
  EXPECT_TRUE(temp_files(o).empty());
}

TEST(BuildCli, JsonManifestDescribesEveryKernel) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  const std::string a = t.file("archive"), o = t.file("out"), m = t.file("manifest.json");
  add_kernel(a, kBclinux, "bclinux/21.10U3/x86_64/k1.btf.tar.xz");
  add_kernel(a, kBclinux, "x/1/amd64/k\"quoted\".btf.tar.xz");
  fs::create_directories(a + "/bad/1/x86_64");
  std::ofstream(a + "/bad/1/x86_64/empty.btf.tar.xz");
  const auto r = btfgen_build(
      {"--archive", a, "--arch", "x86_64", "--output", o, "--json", m, "--obj", kObjectDir + "/tcpconnect.bpf.o"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const Manifest manifest{read_text(m)};
  EXPECT_NE(manifest.text.find("\"format\": \"btfgen-build-manifest\""), std::string::npos);
  EXPECT_NE(manifest.text.find("\"hash\": \"sha256\""), std::string::npos);
  EXPECT_NE(
      manifest.text.find("\"summary\": {\"found\": 3, \"written\": 2, \"unchanged\": 0, \"failed\": 1, \"removed\": 0"),
      std::string::npos)
      << manifest.text;
  for (const std::string rel : {"bclinux/21.10U3/x86_64/k1.btf", "x/1/amd64/k\"quoted\".btf"}) {
    const auto bytes = test::read_file_bytes(o + "/" + rel);
    std::string escaped = rel;
    if (const auto q = escaped.find('"'); q != std::string::npos) escaped = "x/1/amd64/k\\\"quoted\\\".btf";
    EXPECT_EQ(manifest.entry(escaped),
              "{\"path\": \"" + escaped + "\", \"status\": \"written\", \"cached\": false, \"size\": " +
                  std::to_string(bytes.size()) + ", \"sha256\": \"" + sha256_hex(bytes) + "\", \"error\": null}")
        << manifest.text;
  }
  const auto failed = manifest.entry("bad/1/x86_64/empty.btf");
  EXPECT_NE(failed.find("\"status\": \"failed\""), std::string::npos) << failed;
  EXPECT_NE(failed.find("\"error\": \"" + a + "/bad/1/x86_64/empty.btf.tar.xz: "), std::string::npos) << failed;

  // Valid JSON, kernels in path order (parsed in-process: no interpreter that could be missing).
  const auto doc = nlohmann::json::parse(manifest.text);
  std::vector<std::string> statuses;
  for (const auto& k : doc["kernels"]) statuses.push_back(k["status"]);
  EXPECT_EQ(statuses, (std::vector<std::string>{"failed", "written", "written"}));
}

TEST(BuildCli, SetupErrorsComeBeforeAnyWork) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  const std::string obj = kObjectDir + "/biolatency.bpf.o";
  auto r = btfgen_build({"--archive", t.file("nope"), "--arch", "x86_64", "--obj", obj, "--output", t.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("git submodule update --init --depth 1 btfhub-archive"), std::string::npos)
      << r.out << r.err;

  fs::create_directories(t.file("empty-submodule"));  // what an uninitialised submodule leaves
  r = btfgen_build({"--archive", t.file("empty-submodule"), "--arch", "x86_64", "--obj", obj, "--output", t.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("found: none (an uninitialised submodule? run `git submodule update --init"),
            std::string::npos)
      << r.out << r.err;

  r = btfgen_build({"--archive", kCorpus, "--arch", "s390x", "--obj", obj, "--output", t.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("arch directories found: aarch64, arm64, x86_64"), std::string::npos)
      << r.out << r.err;

  std::ofstream(t.file("not-bpf.o")) << "hello";
  r = btfgen_build(
      {"--archive", kCorpus, "--arch", "x86_64", "--obj", obj, "--obj", t.file("not-bpf.o"), "--output", t.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find(t.file("not-bpf.o")), std::string::npos) << r.out << r.err;

  r = btfgen_build(
      {"--archive", kCorpus, "--arch", "x86_64", "--include", "nothing/*", "--obj", obj, "--output", t.file("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE((r.out + r.err).find("none passes --include/--exclude"), std::string::npos) << r.out << r.err;
  EXPECT_FALSE(fs::exists(t.file("o")));  // no work was done
}

// Ctrl-C: exit 130, no temporary or partial file, and the next run finishes the job.
TEST(BuildCli, InterruptLeavesNoPartialFile) {
  BTFGEN_REQUIRE_CORPUS();
  TempDir t;
  const std::string o = t.file("out"), m = t.file("m.json");
  std::vector<std::string> args = with_objects(
      {BTFGEN_BINARY, "build", "--archive", kCorpus, "--arch", "arm64", "--output", o, "--jobs", "1"}, all_objects());
  const pid_t pid = test::spawn(args);
  // Interrupt once the first output is in place (45 kernels one at a time: most are still to do).
  for (int i = 0; i < 6000 && btf_files(o).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_TRUE(temp_files(o).empty());
  const size_t done_before = btf_files(o).size();
  EXPECT_GE(done_before, 1u);
  EXPECT_LT(done_before, 45u);

  args.erase(args.begin(), args.begin() + 2);
  args.insert(args.end(), {"--json", m});
  const auto r = btfgen_build(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(btf_files(o).size(), 45u);
  // Every output, including those from the interrupted run, is whole: its bytes hash as recorded.
  const Manifest manifest{read_text(m)};
  for (const auto& f : btf_files(o)) {
    EXPECT_NE(manifest.entry(f).find("\"sha256\": \"" + sha256_hex(test::read_file_bytes(o + "/" + f)) + "\""),
              std::string::npos)
        << f;
  }
}

}  // namespace
}  // namespace btfgen
