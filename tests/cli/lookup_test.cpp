// One rule set for every consumer: `btfgen lookup` on a tree and on a pack, and a program that
// embeds the same tree as a C table (btfgen pack TREE x.c, compiled here against the runtime),
// must give the same answer as the runtime library itself, for every rule and pitfall below. The
// rules themselves are pinned, row by row, in tests/unit/runtime/lookup_test.cpp; this file proves
// the four ways to reach them agree, and the CLI's exit statuses and errors.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "btfgen/pack/pack.h"
#include "btfgen/runtime.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using btfgen::test::CommandResult;
using btfgen::test::run_command;
using btfgen::test::TempDir;

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// The files of the tree: contents only matter for equality (lookup never parses them).
const std::vector<std::pair<std::string, std::string>> kTree = {
    {"ubuntu/20.04/x86_64/5.4.0-42-generic.btf", "u20"},
    {"ubuntu/18.04/x86_64/5.4.0-42-generic.btf", "u18"},
    {"rhel/8/x86_64/4.18.0-305.el8.x86_64.btf", "rhel8"},
    {"centos/8/arm64/4.18.0-305.el8.aarch64.btf", "c8arm"},
    {"amzn/2018/x86_64/4.14.355-196.btf", "amzn1"},
    {"amzn/2018.03/x86_64/4.14.355-196.btf", "amzn1"},  // the same bytes under two versions
    {"debian/11/x86_64/5.10.0-8-amd64.btf", "d11"},
    {"ubuntu/21.04/x86_64/5.10.0-8-amd64.btf", "u21"},  // same release, other bytes
    {"android/android12-5.10/arm64/5.10.110-android12-9.btf", "droid"},
    {"1/x86_64/4.14.123.btf", "stray"},
};

struct Host {
  const char* name;
  const char* os_release;  // nullptr: no os-release at all
  const char* release;
  const char* machine;
};

const std::vector<Host> kHosts = {
    {"ExactQuoted", "ID=\"ubuntu\"\nVERSION_ID=\"20.04\"\n", "5.4.0-42-generic", "x86_64"},
    {"MajorOnly", "ID=rhel\nVERSION_ID=\"8.6\"\n", "4.18.0-305.el8.x86_64", "x86_64"},
    {"Aarch64MachineArm64Dir", "ID='centos'\nVERSION_ID='8'\n", "4.18.0-305.el8.aarch64", "aarch64"},
    {"Amzn1", "ID=\"amzn\"\nVERSION_ID=\"2018.03\"\n", "4.14.355-196", "x86_64"},
    {"ContainerOsRelease", "ID=alpine\nVERSION_ID=3.18.0\n", "5.4.0-42-generic", "x86_64"},  // d): ambiguous
    {"NoOsReleaseAndroid", nullptr, "5.10.110-android12-9", "aarch64"},
    {"AmbiguousRelease", "ID=fedora\nVERSION_ID=38\n", "5.10.0-8-amd64", "x86_64"},
    {"NotFound", "ID=ubuntu\nVERSION_ID=20.04\n", "6.99.0", "x86_64"},
    {"StrayIsNoCandidate", nullptr, "4.14.123", "x86_64"},
};

// What one consumer answered: the chosen path, or the failure.
struct Answer {
  int rc = 0;
  std::string path;
  bool operator==(const Answer&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Answer& a) { return os << a.rc << " " << a.path; }

class LookupConsumers : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [path, bytes] : kTree) write(t_.file("tree/" + path), bytes);
    ASSERT_EQ(run_command({BTFGEN_BINARY, "pack", t_.file("tree"), t_.file("tree.tar.gz")}).exit_code, 0);
    ASSERT_EQ(run_command({BTFGEN_BINARY, "pack", t_.file("tree"), t_.file("table.c"), "--symbol", "table"}).exit_code,
              0);
    write(t_.file("main.c"),
          "#include <stdio.h>\n#include \"table.h\"\n"
          "int main(void) {\n"
          "  struct btfgen_host host;\n"
          "  if (btfgen_host_detect(&host, NULL) != 0) return 3;\n"
          "  struct btfgen_file files[64];\n"
          "  for (size_t i = 0; i < table.count; i++) {\n"
          "    files[i].path = table.entries[i].path;\n"
          "    files[i].data = table.blobs[table.entries[i].blob];\n"
          "    files[i].size = table.blob_sizes[table.entries[i].blob];\n"
          "  }\n"
          "  struct btfgen_match m;\n"
          "  int rc = btfgen_lookup(files, table.count, &host, &m);\n"
          "  if (rc == 0) printf(\"%s\\n\", m.file->path);\n"
          "  return rc == 0 ? 0 : rc == BTFGEN_ENOTFOUND ? 1 : 2;\n"
          "}\n");
    std::vector<std::string> cc_args = {"cc",
                                        "-std=c11",
                                        "-Wall",
                                        "-Werror",
                                        "-I" + std::string(BTFGEN_INCLUDE_DIR),
                                        "-I" + t_.path(),
                                        t_.file("main.c"),
                                        t_.file("table.c"),
                                        BTFGEN_RUNTIME_LIB,
                                        "-lz",
                                        "-o",
                                        t_.file("table-lookup")};
    if (const std::string flags = BTFGEN_TEST_CC_FLAGS; !flags.empty()) cc_args.insert(cc_args.begin() + 1, flags);
    const auto cc = run_command(cc_args);
    ASSERT_EQ(cc.exit_code, 0) << cc.err;
  }

  std::string os_release_file(const Host& h) {
    if (h.os_release == nullptr) return t_.file("no-such-os-release");
    write(t_.file(std::string(h.name) + ".os-release"), h.os_release);
    return t_.file(std::string(h.name) + ".os-release");
  }

  // The runtime library, called in-process on the tree's files.
  Answer library(const Host& h) {
    btfgen_host host{};
    const std::string text = h.os_release == nullptr ? "" : h.os_release;
    btfgen_host_parse_os_release(&host, text.data(), text.size());
    std::snprintf(host.release, sizeof(host.release), "%s", h.release);
    std::snprintf(host.machine, sizeof(host.machine), "%s", h.machine);
    const auto members = btfgen::read_tree(t_.file("tree"));
    std::vector<btfgen_file> files;
    for (const auto& m : members) files.push_back({m.path.c_str(), m.bytes.data(), m.bytes.size()});
    btfgen_match match{};
    const int rc = btfgen_lookup(files.data(), files.size(), &host, &match);
    return {rc == 0 ? 0 : rc == BTFGEN_ENOTFOUND ? 1 : 2, rc == 0 ? match.file->path : ""};
  }

  Answer cli(const Host& h, const std::string& where, const std::string& what) {
    const CommandResult r = run_command({BTFGEN_BINARY, "lookup", where, what, "--os-release", os_release_file(h),
                                         "--release", h.release, "--machine", h.machine});
    // `lookup` exits 1 for both no file and ambiguity; its message tells them apart.
    const int rc = r.exit_code == 0 ? 0 : r.err.find("ambiguous") != std::string::npos ? 2 : r.exit_code;
    return {rc, r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : ""};
  }

  Answer table(const Host& h) {
    setenv("BTFGEN_OS_RELEASE", os_release_file(h).c_str(), 1);
    setenv("BTFGEN_RELEASE", h.release, 1);
    setenv("BTFGEN_MACHINE", h.machine, 1);
    const CommandResult r = run_command({t_.file("table-lookup")});
    unsetenv("BTFGEN_OS_RELEASE");
    unsetenv("BTFGEN_RELEASE");
    unsetenv("BTFGEN_MACHINE");
    return {r.exit_code, r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : ""};
  }

  TempDir t_;
};

TEST_F(LookupConsumers, TreePackTableAndLibraryAgreeOnEveryHost) {
  const std::vector<Answer> want = {{0, "ubuntu/20.04/x86_64/5.4.0-42-generic.btf"},
                                    {0, "rhel/8/x86_64/4.18.0-305.el8.x86_64.btf"},
                                    {0, "centos/8/arm64/4.18.0-305.el8.aarch64.btf"},
                                    {0, "amzn/2018.03/x86_64/4.14.355-196.btf"},
                                    {2, ""},  // d) ubuntu 18.04 and 20.04 hold different bytes
                                    {0, "android/android12-5.10/arm64/5.10.110-android12-9.btf"},
                                    {2, ""},  // d) debian/11 and ubuntu/21.04 differ
                                    {1, ""},
                                    {1, ""}};
  ASSERT_EQ(want.size(), kHosts.size());
  for (size_t i = 0; i < kHosts.size(); i++) {
    const Host& h = kHosts[i];
    SCOPED_TRACE(h.name);
    EXPECT_EQ(library(h), want[i]);
    EXPECT_EQ(cli(h, "--archive", t_.file("tree")), want[i]);
    EXPECT_EQ(cli(h, "--pack", t_.file("tree.tar.gz")), want[i]);
    EXPECT_EQ(table(h), want[i]);
  }
}

TEST_F(LookupConsumers, CliSaysWhichRuleDecidedAndFailsCleanlyOnBadInput) {
  const Host& major = kHosts[1];
  const CommandResult v =
      run_command({BTFGEN_BINARY, "lookup", "--archive", t_.file("tree"), "--os-release", os_release_file(major),
                   "--release", major.release, "--machine", "x86_64", "-v"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.err.find("b) "), std::string::npos) << v.err;
  const Host& missing = kHosts[7];
  const CommandResult nf = run_command({BTFGEN_BINARY, "lookup", "--archive", t_.file("tree"), "--os-release",
                                        os_release_file(missing), "--release", "6.99.0", "--machine", "x86_64"});
  EXPECT_EQ(nf.exit_code, 1);
  for (const char* part : {"ubuntu", "20.04", "x86_64", "6.99.0"})
    EXPECT_NE(nf.err.find(part), std::string::npos) << nf.err;

  // A truncated pack, a missing tree, neither or both of --archive and --pack: exit 2.
  const auto bytes = btfgen::test::read_file_bytes(t_.file("tree.tar.gz"));
  std::ofstream(t_.file("cut.tar.gz"), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 30);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--pack", t_.file("cut.tar.gz")},
                                             {"--archive", t_.file("missing")},
                                             {},
                                             {"--archive", t_.file("tree"), "--pack", t_.file("tree.tar.gz")}}) {
    std::vector<std::string> argv = {BTFGEN_BINARY, "lookup", "--release", "x", "--machine", "x86_64"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult r = run_command(argv);
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_NE(r.exit_code, 1) << "a bad tree or pack is not 'no file for this host': " << r.err;
  }
}

}  // namespace
