// The host as the runtime lookup sees it (src/runtime/host.c): os-release parsed leniently (the
// quoting pitfalls of docs/consumers.md), a missing os-release that is not an error (Android), and
// the environment overrides BTFGEN_OS_RELEASE, BTFGEN_RELEASE and BTFGEN_MACHINE. Every test sets
// the variables it needs and restores them afterwards.
#include <gtest/gtest.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "btfgen/runtime.h"
#include "test_support.h"

namespace {

// Sets (or unsets, with nullopt) one environment variable for a scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = std::string(old);
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

struct Parsed {
  std::string id, version_id;
};

Parsed parse(const std::string& text) {
  btfgen_host host;
  std::memset(&host, 'z', sizeof host);
  host.id[sizeof host.id - 1] = '\0';
  host.version_id[sizeof host.version_id - 1] = '\0';
  btfgen_host_parse_os_release(&host, text.data(), text.size());
  return {host.id, host.version_id};
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

struct ParseCase {
  const char* name;
  std::string text;
  const char* id;
  const char* version_id;
};

class HostParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(HostParse, Normalises) {
  const ParseCase& c = GetParam();
  Parsed p = parse(c.text);
  EXPECT_EQ(p.id, c.id);
  EXPECT_EQ(p.version_id, c.version_id);
}

const ParseCase kParseCases[] = {
    {"Plain", "ID=ubuntu\nVERSION_ID=20.04\n", "ubuntu", "20.04"},
    {"DoubleQuotes", "ID=\"centos\"\nVERSION_ID=\"8\"\n", "centos", "8"},
    {"SingleQuotes", "ID='debian'\nVERSION_ID='11'\n", "debian", "11"},
    {"FedoraUnquoted", "NAME=Fedora\nVERSION=\"34 (Workstation Edition)\"\nID=fedora\nVERSION_ID=34\n", "fedora", "34"},
    {"BlanksOutside", "  ID =  ubuntu  \n\tVERSION_ID\t=\t20.04\t\n", "ubuntu", "20.04"},
    {"BlanksInsideQuotes", "ID=\" rhel \"\nVERSION_ID=' 8.6\t'\n", "rhel", "8.6"},
    {"BlanksAroundQuotes", "ID=  \"rhel\"  \nVERSION_ID=\t'8.6' \n", "rhel", "8.6"},
    {"OnlyOnePairOfQuotes", "ID=\"'ol'\"\n", "'ol'", ""},
    {"UnmatchedQuoteKept", "ID=\"centos\nVERSION_ID=7'\n", "\"centos", "7'"},
    {"MixedQuotesKept", "ID=\"centos'\n", "\"centos'", ""},
    {"Crlf", "ID=ubuntu\r\nVERSION_ID=\"20.04\"\r\n", "ubuntu", "20.04"},
    {"NoTrailingNewline", "ID=ubuntu\nVERSION_ID=22.04", "ubuntu", "22.04"},
    {"Comments", "# ID=fedora\n  # VERSION_ID=1\nID=amzn\nVERSION_ID=\"2018.03\"\n", "amzn", "2018.03"},
    {"OtherKeysIgnored", "ID_LIKE=\"rhel fedora\"\nVERSION_ID_X=9\nXID=no\nVERSION=\"8.6 (Ootpa)\"\n", "", ""},
    {"LaterAssignmentWins", "ID=first\nID=second\n", "second", ""},
    {"EmptyValue", "ID=\nVERSION_ID=\"\"\n", "", ""},
    {"EmptyText", "", "", ""},
    {"NoEquals", "ID ubuntu\nVERSION_ID\n", "", ""},
    {"BlankLines", "\n\n   \nID=sles\n\nVERSION_ID=\"15.3\"\n\n", "sles", "15.3"},
    {"TooLongIdIsUnknown", "ID=" + std::string(64, 'x') + "\nVERSION_ID=1\n", "", "1"},
    {"LongestIdFits", "ID=" + std::string(63, 'x') + "\n",
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ""},
    {"NulInValueIsUnknown", std::string("ID=ubu\0ntu\nVERSION_ID=2\n", 24), "", "2"},
};

INSTANTIATE_TEST_SUITE_P(Host, HostParse, ::testing::ValuesIn(kParseCases),
                         [](const ::testing::TestParamInfo<ParseCase>& info) { return std::string(info.param.name); });

TEST(Host, ParseReadsOnlyLenBytes) {
  const char text[] = "ID=ubuntu\nVERSION_ID=20.04\n";
  btfgen_host host{};
  btfgen_host_parse_os_release(&host, text, 9);  // "ID=ubuntu"
  EXPECT_STREQ(host.id, "ubuntu");
  EXPECT_STREQ(host.version_id, "");
  btfgen_host_parse_os_release(&host, text, 7);  // "ID=ubun"
  EXPECT_STREQ(host.id, "ubun");
}

TEST(Host, ParseClearsPreviousValues) {
  btfgen_host host{};
  btfgen_host_parse_os_release(&host, "ID=a\nVERSION_ID=1\n", 18);
  btfgen_host_parse_os_release(&host, "NAME=x\n", 7);
  EXPECT_STREQ(host.id, "");
  EXPECT_STREQ(host.version_id, "");
}

TEST(Host, DetectReadsTheGivenFileAndUname) {
  btfgen::test::TempDir dir;
  const std::string path = dir.path() + "/os-release";
  write_file(path, "ID=\"rhel\"\nVERSION_ID=\"8.6\"\n");
  ScopedEnv os("BTFGEN_OS_RELEASE", std::nullopt), rel("BTFGEN_RELEASE", std::nullopt),
      mach("BTFGEN_MACHINE", std::nullopt);
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, path.c_str()), 0);
  EXPECT_STREQ(host.id, "rhel");
  EXPECT_STREQ(host.version_id, "8.6");
  struct utsname uts;
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_STREQ(host.release, uts.release);
  EXPECT_STREQ(host.machine, uts.machine);
}

TEST(Host, DetectEnvironmentOverrides) {
  btfgen::test::TempDir dir;
  const std::string path = dir.path() + "/os-release";
  write_file(path, "ID=ubuntu\nVERSION_ID=\"20.04\"\n");
  ScopedEnv os("BTFGEN_OS_RELEASE", path), rel("BTFGEN_RELEASE", "5.4.0-42-generic"), mach("BTFGEN_MACHINE", "aarch64");
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, nullptr), 0);
  EXPECT_STREQ(host.id, "ubuntu");
  EXPECT_STREQ(host.version_id, "20.04");
  EXPECT_STREQ(host.release, "5.4.0-42-generic");
  EXPECT_STREQ(host.machine, "aarch64");
}

TEST(Host, DetectArgumentBeatsEnvironment) {
  btfgen::test::TempDir dir;
  write_file(dir.path() + "/env", "ID=fedora\n");
  write_file(dir.path() + "/arg", "ID=debian\n");
  ScopedEnv os("BTFGEN_OS_RELEASE", dir.path() + "/env");
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, (dir.path() + "/arg").c_str()), 0);
  EXPECT_STREQ(host.id, "debian");
}

TEST(Host, DetectMissingOsReleaseIsNotAnError) {
  // Android: no os-release at all. The explicit path is the only one read: /etc/os-release of the
  // machine running the test must not leak in.
  btfgen::test::TempDir dir;
  ScopedEnv os("BTFGEN_OS_RELEASE", dir.path() + "/missing"), rel("BTFGEN_RELEASE", "5.10.43-android12-9"),
      mach("BTFGEN_MACHINE", "aarch64");
  btfgen_host host;
  std::memset(&host, 'q', sizeof host);
  ASSERT_EQ(btfgen_host_detect(&host, nullptr), 0);
  EXPECT_STREQ(host.id, "");
  EXPECT_STREQ(host.version_id, "");
  EXPECT_STREQ(host.release, "5.10.43-android12-9");
  EXPECT_STREQ(host.machine, "aarch64");
}

TEST(Host, DetectDirectoryAsOsReleaseIsMissing) {
  btfgen::test::TempDir dir;
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, dir.path().c_str()), 0);
  EXPECT_STREQ(host.id, "");
}

TEST(Host, DetectDefaultsToTheSystemOsRelease) {
  ScopedEnv os("BTFGEN_OS_RELEASE", std::nullopt), empty_is_unset("BTFGEN_RELEASE", "");
  std::string expected_path;
  for (const char* p : {"/etc/os-release", "/usr/lib/os-release"})
    if (::access(p, R_OK) == 0) {
      expected_path = p;
      break;
    }
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, nullptr), 0);
  btfgen_host expected{};
  if (!expected_path.empty()) {
    auto bytes = btfgen::test::read_file_bytes(expected_path);
    btfgen_host_parse_os_release(&expected, reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  EXPECT_STREQ(host.id, expected.id);
  EXPECT_STREQ(host.version_id, expected.version_id);
  struct utsname uts;
  ASSERT_EQ(uname(&uts), 0);
  EXPECT_STREQ(host.release, uts.release);  // an empty override is no override
}

TEST(Host, DetectRefusesAnOverrideThatDoesNotFit) {
  ScopedEnv rel("BTFGEN_RELEASE", std::string(300, 'r'));
  btfgen_host host;
  EXPECT_EQ(btfgen_host_detect(&host, "/nonexistent"), -ENAMETOOLONG);
  ScopedEnv rel_ok("BTFGEN_RELEASE", std::string(255, 'r')), mach("BTFGEN_MACHINE", std::string(64, 'm'));
  EXPECT_EQ(btfgen_host_detect(&host, "/nonexistent"), -ENAMETOOLONG);
}

TEST(Host, DetectLongestOverridesFit) {
  ScopedEnv rel("BTFGEN_RELEASE", std::string(255, 'r')), mach("BTFGEN_MACHINE", std::string(63, 'm'));
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, "/nonexistent"), 0);
  EXPECT_EQ(std::string(host.release), std::string(255, 'r'));
  EXPECT_EQ(std::string(host.machine), std::string(63, 'm'));
}

TEST(Host, DetectHugeOsReleaseReadsItsBeginning) {
  btfgen::test::TempDir dir;
  const std::string path = dir.path() + "/os-release";
  write_file(path, "ID=ubuntu\n" + std::string(1 << 20, '#') + "\nID=late\n");
  btfgen_host host;
  ASSERT_EQ(btfgen_host_detect(&host, path.c_str()), 0);
  EXPECT_STREQ(host.id, "ubuntu");
}

TEST(Host, DetectRejectsNullHost) { EXPECT_EQ(btfgen_host_detect(nullptr, nullptr), -EINVAL); }

}  // namespace
