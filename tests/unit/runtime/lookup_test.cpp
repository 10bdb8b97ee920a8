// The runtime lookup (src/runtime/lookup.c), as a table: every rule of runtime.h (0, a-d) and every
// "Known lookup pitfall" of docs/consumers.md is a row. Each row is an os-release text (parsed with
// btfgen_host_parse_os_release, so the quoting pitfalls go through the real parser), uname's
// machine and release, a list of (path, bytes), and what the lookup must answer: the return code,
// the deciding step, the chosen path, and strings its `why` must hold. Every row is also run on the
// reversed and rotated list: the answer must not depend on the order of the files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "btfgen/runtime.h"

namespace {

constexpr const char* kNoOsRelease = nullptr;

struct FileSpec {
  std::string path;
  std::string bytes;
};

struct LookupCase {
  const char* name;
  const char* os_release;  // os-release text, or kNoOsRelease
  const char* machine;
  const char* release;
  std::vector<FileSpec> files;
  int rc;                        // 0, BTFGEN_ENOTFOUND, BTFGEN_EAMBIGUOUS
  int step;                      // 'a'..'d', 0 for not found
  const char* chosen;            // the path chosen (rc 0)
  std::vector<std::string> why;  // substrings of match.why
  const char* why_exact = nullptr;
};

const char* const R = "5.4.0-42-generic";
std::string btf(const std::string& dir) { return dir + "/" + R + ".btf"; }

const std::vector<LookupCase>& cases() {
  // clang-format off: one row is a case, read across
  static const std::vector<LookupCase> table = {
      // --- rule a: ID and VERSION_ID exactly ---
      {"ExactMatch", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{btf("ubuntu/18.04/x86_64"), "u18"}, {btf("ubuntu/20.04/x86_64"), "u20"}}, 0, 'a',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf",
       {"a) ID=ubuntu, VERSION_ID=20.04: ubuntu/20.04/x86_64/5.4.0-42-generic.btf"}},
      {"QuotedIdCentos", "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"8\"\n", "x86_64", R,
       {{btf("centos/8/x86_64"), "c8"}, {btf("centos/7/x86_64"), "c7"}}, 0, 'a',
       "centos/8/x86_64/5.4.0-42-generic.btf", {"a) ID=centos, VERSION_ID=8:"}},
      {"SingleQuotes", "ID='debian'\nVERSION_ID='11'\n", "x86_64", R,
       {{btf("debian/11/x86_64"), "d11"}, {btf("debian/10/x86_64"), "d10"}}, 0, 'a',
       "debian/11/x86_64/5.4.0-42-generic.btf", {"ID=debian, VERSION_ID=11"}},
      {"BlanksAroundAndInsideQuotes", "  ID = \" ubuntu \"  \n\tVERSION_ID=  ' 20.04 '\t\n", "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "u20"}, {btf("ubuntu/22.04/x86_64"), "u22"}}, 0, 'a',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"a) ID=ubuntu, VERSION_ID=20.04"}},
      {"FedoraUnquotedVersion", "NAME=Fedora\nID=fedora\nVERSION_ID=34\n", "x86_64", R,
       {{btf("fedora/33/x86_64"), "f33"}, {btf("fedora/34/x86_64"), "f34"}}, 0, 'a',
       "fedora/34/x86_64/5.4.0-42-generic.btf", {"a) ID=fedora, VERSION_ID=34"}},
      {"CrlfLinesAndCommentsAndOtherKeys",
       "# ID=fedora\r\nID_LIKE=debian\r\nVERSION_ID_EXTRA=9\r\nID=ubuntu\r\nVERSION_ID=\"20.04\"\r\n", "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "u20"}, {btf("fedora/9/x86_64"), "f9"}, {btf("debian/9/x86_64"), "d9"}}, 0, 'a',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"a) ID=ubuntu, VERSION_ID=20.04"}},
      {"ExactBeatsMajor", "ID=rhel\nVERSION_ID=\"8.6\"\n", "x86_64", R,
       {{btf("rhel/8/x86_64"), "r8"}, {btf("rhel/8.6/x86_64"), "r86"}}, 0, 'a',
       "rhel/8.6/x86_64/5.4.0-42-generic.btf", {"a) ID=rhel, VERSION_ID=8.6"}},
      {"AmazonLinux1ExactDirectory", "ID=\"amzn\"\nVERSION_ID=\"2018.03\"\n", "x86_64", R,
       {{btf("amzn/2018.03/x86_64"), "a1"}, {btf("amzn/2/x86_64"), "a2"}}, 0, 'a',
       "amzn/2018.03/x86_64/5.4.0-42-generic.btf", {"a) ID=amzn, VERSION_ID=2018.03"}},

      // --- arch families: uname -m against the archive's directories ---
      {"Aarch64MachineArm64Directory", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "aarch64", R,
       {{btf("ubuntu/20.04/arm64"), "arm"}, {btf("ubuntu/20.04/x86_64"), "x86"}}, 0, 'a',
       "ubuntu/20.04/arm64/5.4.0-42-generic.btf", {"arm64"}},
      {"Arm64MachineAarch64Directory", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "arm64", R,
       {{btf("ubuntu/20.04/aarch64"), "arm"}, {btf("ubuntu/20.04/x86_64"), "x86"}}, 0, 'a',
       "ubuntu/20.04/aarch64/5.4.0-42-generic.btf", {"aarch64"}},
      {"X86_64MachineAmd64Directory", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{btf("ubuntu/20.04/amd64"), "x86"}, {btf("ubuntu/20.04/arm64"), "arm"}}, 0, 'a',
       "ubuntu/20.04/amd64/5.4.0-42-generic.btf", {}},
      {"X86_64MachineX86Directory", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{btf("ubuntu/20.04/x86"), "x86"}, {btf("ubuntu/20.04/arm64"), "arm"}}, 0, 'a',
       "ubuntu/20.04/x86/5.4.0-42-generic.btf", {}},
      {"Amd64MachineX86_64Directory", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "amd64", R,
       {{btf("ubuntu/20.04/x86_64"), "x86"}, {btf("ubuntu/20.04/aarch64"), "arm"}}, 0, 'a',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {}},
      {"X86SpellingsOfOneKernelAreIdentical", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "same"}, {btf("ubuntu/20.04/amd64"), "same"}, {btf("ubuntu/20.04/x86"), "same"}},
       0, 'a', "ubuntu/20.04/amd64/5.4.0-42-generic.btf", {"first of 3 identical candidates"}},
      {"WrongArchFamilyIsNotACandidate", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{btf("ubuntu/20.04/arm64"), "arm"}, {btf("ubuntu/20.04/aarch64"), "arm"}}, BTFGEN_ENOTFOUND, 0, nullptr,
       {"{x86_64|x86|amd64}", "machine=x86_64"}},
      {"OtherMachineMatchesOnlyItself", "ID=sles\nVERSION_ID=\"15.3\"\n", "s390x", R,
       {{btf("sles/15.3/s390x"), "z"}, {btf("sles/15.3/x86_64"), "x86"}}, 0, 'a',
       "sles/15.3/s390x/5.4.0-42-generic.btf", {}},
      {"OtherMachineNoFamily", "ID=sles\nVERSION_ID=\"15.3\"\n", "ppc64le", R,
       {{btf("sles/15.3/s390x"), "z"}, {btf("sles/15.3/x86_64"), "x86"}}, BTFGEN_ENOTFOUND, 0, nullptr,
       {"*/*/ppc64le/", "machine=ppc64le"}},

      // --- rule b: VERSION_ID up to its first '.' ---
      {"RhelMinorAgainstMajorDirectory", "ID=\"rhel\"\nVERSION_ID=\"8.6\"\n", "x86_64", "4.18.0-305.el8.x86_64",
       {{"rhel/8/x86_64/4.18.0-305.el8.x86_64.btf", "r8"}, {"centos/8/x86_64/4.18.0-305.el8.x86_64.btf", "c8"}}, 0,
       'b', "rhel/8/x86_64/4.18.0-305.el8.x86_64.btf", {},
       "b) ID=rhel, VERSION_ID=8.6 → version 8: rhel/8/x86_64/4.18.0-305.el8.x86_64.btf"},
      {"OracleLinuxMinor", "ID=\"ol\"\nVERSION_ID=\"8.6\"\n", "x86_64", R,
       {{btf("ol/8/x86_64"), "ol8"}, {btf("ol/7/x86_64"), "ol7"}}, 0, 'b', "ol/8/x86_64/5.4.0-42-generic.btf",
       {"b) ID=ol, VERSION_ID=8.6 → version 8"}},
      {"CentosThreePartVersion", "ID=\"centos\"\nVERSION_ID=\"7.9.2009\"\n", "x86_64", R,
       {{btf("centos/7/x86_64"), "c7"}, {btf("centos/8/x86_64"), "c8"}}, 0, 'b',
       "centos/7/x86_64/5.4.0-42-generic.btf", {"→ version 7:"}},
      {"MajorStepIdenticalCopies", "ID=rhel\nVERSION_ID=8.6\n", "x86_64", R,
       {{btf("rhel/8/x86_64"), "k"}, {btf("rhel/8/amd64"), "k"}, {btf("centos/8/x86_64"), "other"}}, 0, 'b',
       "rhel/8/amd64/5.4.0-42-generic.btf", {"first of 2 identical candidates"}},

      // --- rule c: the distro, any version ---
      {"AmazonLinux1ToAmzn1", "ID=\"amzn\"\nVERSION_ID=\"2018.03\"\n", "x86_64", R,
       {{btf("1/x86_64"), "stray"}, {btf("amzn/1/x86_64"), "a1"}, {btf("ubuntu/20.04/x86_64"), "u"}}, 0, 'c',
       "amzn/1/x86_64/5.4.0-42-generic.btf",
       {"c) ID=amzn, VERSION_ID=2018.03 → no amzn/2018.03 or amzn/2018, any amzn version: amzn/1/x86_64/"}},
      {"DistroWithoutVersionId", "ID=debian\n", "x86_64", R,
       {{btf("debian/11/x86_64"), "d"}, {btf("ubuntu/20.04/x86_64"), "u"}}, 0, 'c',
       "debian/11/x86_64/5.4.0-42-generic.btf", {"c) ID=debian, VERSION_ID=(none) → any debian version"}},
      {"DistroStepIdenticalInTwoVersions", "ID=centos\nVERSION_ID=9\n", "x86_64", R,
       {{btf("centos/8/x86_64"), "same"}, {btf("centos/7/x86_64"), "same"}}, 0, 'c',
       "centos/7/x86_64/5.4.0-42-generic.btf", {"first of 2 identical candidates"}},
      {"DistroStepDiffers", "ID=centos\nVERSION_ID=9\n", "x86_64", R,
       {{btf("centos/8/x86_64"), "eight"}, {btf("centos/7/x86_64"), "seven"}, {btf("rhel/9/x86_64"), "r"}},
       BTFGEN_EAMBIGUOUS, 'c', nullptr, {"c) ID=centos, VERSION_ID=9 → no centos/9, any centos version: ambiguous",
       "centos/7/x86_64/5.4.0-42-generic.btf (5 bytes)", "centos/8/x86_64/5.4.0-42-generic.btf (5 bytes)"}},

      // --- rule d: any candidate (container, no os-release, Android) ---
      {"ContainerOfAnotherDistro", "ID=alpine\nVERSION_ID=3.18.4\n", "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "u"}, {"ubuntu/20.04/x86_64/5.15.0-1-generic.btf", "other release"}}, 0, 'd',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"d) ID=alpine, VERSION_ID=3.18.4 → no alpine candidate"}},
      {"ContainerDistroHasOnlyOtherReleases", "ID=debian\nVERSION_ID=\"12\"\n", "x86_64", R,
       {{"debian/12/x86_64/6.1.0-13-amd64.btf", "d12"}, {btf("ubuntu/20.04/x86_64"), "u"}}, 0, 'd',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"d) ID=debian"}},
      {"NoOsRelease", kNoOsRelease, "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "u"}, {btf("ubuntu/20.04/arm64"), "arm"}}, 0, 'd',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"d) no os-release ID → any distro"}},
      {"EmptyOsRelease", "", "x86_64", R, {{btf("ubuntu/20.04/x86_64"), "u"}}, 0, 'd',
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"d) no os-release ID"}},
      {"AndroidGoesByReleaseOnly", kNoOsRelease, "aarch64", "5.10.43-android12-9-00001-g1234abcd",
       {{"android/12/arm64/5.10.43-android12-9-00001-g1234abcd.btf", "gki"},
       {"android/12/arm64/5.10.66-android12-9-00001-g5678.btf", "other"}, {btf("ubuntu/20.04/arm64"), "u"}}, 0, 'd',
       "android/12/arm64/5.10.43-android12-9-00001-g1234abcd.btf", {"d) no os-release ID"}},
      {"SameKernelUnderCentosAndRhel", "ID=ol\nVERSION_ID=\"7.9\"\n", "x86_64", R,
       {{btf("rhel/7/x86_64"), "k"}, {btf("centos/7/x86_64"), "k"}}, 0, 'd', "centos/7/x86_64/5.4.0-42-generic.btf",
       {"d) ID=ol", "first of 2 identical candidates"}},
      {"AnyStepDiffers", kNoOsRelease, "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "u"}, {btf("debian/11/x86_64"), "dd"}}, BTFGEN_EAMBIGUOUS, 'd', nullptr,
       {"d) no os-release ID", "ambiguous, 2 candidates", "debian/11/x86_64/5.4.0-42-generic.btf (2 bytes)",
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf (1 bytes)"}},
      {"AmbiguousNamesAllThree", kNoOsRelease, "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "same"}, {btf("debian/11/x86_64"), "other"}, {btf("centos/7/x86_64"), "same"}},
       BTFGEN_EAMBIGUOUS, 'd', nullptr, {"3 candidates",
       "centos/7/x86_64/5.4.0-42-generic.btf (4 bytes), debian/11/x86_64/5.4.0-42-generic.btf (5 bytes), "
       "ubuntu/20.04/x86_64/5.4.0-42-generic.btf (4 bytes)"}},

      // --- rule 0: what is a candidate ---
      {"StrayThreeComponentPathIsNotACandidate", "ID=amzn\nVERSION_ID=\"2018.03\"\n", "x86_64", R,
       {{btf("1/x86_64"), "stray"}}, BTFGEN_ENOTFOUND, 0, nullptr,
       {"not found", "ID=amzn", "VERSION_ID=2018.03", "release=5.4.0-42-generic"}},
      {"StrayBesideRealAtAnyStep", kNoOsRelease, "x86_64", R,
       {{btf("1/x86_64"), "stray"}, {btf("amzn/1/x86_64"), "a1"}}, 0, 'd', "amzn/1/x86_64/5.4.0-42-generic.btf", {}},
      {"DotSlashPrefixedMembers", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{"./" + btf("ubuntu/20.04/x86_64"), "u20"}, {"./" + btf("ubuntu/18.04/x86_64"), "u18"}}, 0, 'a',
       "./ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"a) ID=ubuntu, VERSION_ID=20.04: ./ubuntu/20.04/"}},
      {"DotSlashStrayIsStillThreeComponents", kNoOsRelease, "x86_64", R, {{"./" + btf("1/x86_64"), "stray"}},
       BTFGEN_ENOTFOUND, 0, nullptr, {"not found"}},
      {"DotSlashAndPlainCopiesAreIdentical", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{btf("ubuntu/20.04/x86_64"), "u"}, {"./" + btf("ubuntu/20.04/x86_64"), "u"}}, 0, 'a',
       "./ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {"first of 2 identical candidates"}},
      {"DeeperPathLastFourComponentsCount", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", R,
       {{"btfs/x86/ubuntu/20.04/x86_64/" + std::string(R) + ".btf", "u20"},
       {"btfs/arm64/ubuntu/20.04/arm64/" + std::string(R) + ".btf", "arm"}}, 0, 'a',
       "btfs/x86/ubuntu/20.04/x86_64/5.4.0-42-generic.btf", {}},
      {"ReleaseMustMatchWholeFileName", "ID=ubuntu\nVERSION_ID=\"20.04\"\n", "x86_64", "5.4.0-42",
       {{btf("ubuntu/20.04/x86_64"), "u"}, {"ubuntu/20.04/x86_64/5.4.0-42.btf.tar.xz", "xz"},
       {"ubuntu/20.04/x86_64/x5.4.0-42.btf", "x"}}, BTFGEN_ENOTFOUND, 0, nullptr,
       {"release=5.4.0-42", "no 5.4.0-42.btf"}},
      {"EmptyComponentsAreNotCandidates", kNoOsRelease, "x86_64", R,
       {{"ubuntu//x86_64/" + std::string(R) + ".btf", "e"}, {"/20.04/x86_64/" + std::string(R) + ".btf", "e"}},
       BTFGEN_ENOTFOUND, 0, nullptr, {"not found"}},
      {"NotFoundNamesTheHost", "ID=ubuntu\nVERSION_ID=\"22.04\"\n", "aarch64", "6.2.0-1-generic",
       {{btf("ubuntu/20.04/arm64"), "u"}}, BTFGEN_ENOTFOUND, 0, nullptr,
       {"not found: no 6.2.0-1-generic.btf under */*/{arm64|aarch64}/ for ID=ubuntu, VERSION_ID=22.04, "
        "machine=aarch64, release=6.2.0-1-generic (1 files searched)"}},
      {"NoFilesAtAll", "ID=ubuntu\nVERSION_ID=\"22.04\"\n", "x86_64", R, {}, BTFGEN_ENOTFOUND, 0, nullptr,
       {"not found"}},
      {"NotFoundWithoutOsRelease", kNoOsRelease, "x86_64", R, {{btf("ubuntu/20.04/arm64"), "u"}}, BTFGEN_ENOTFOUND, 0,
       nullptr, {"ID=(none), VERSION_ID=(none), machine=x86_64"}},
      {"EmptyReleaseFindsNothing", kNoOsRelease, "x86_64", "", {{"ubuntu/20.04/x86_64/.btf", "u"}}, BTFGEN_ENOTFOUND,
       0, nullptr, {"release=(none)"}},
  };
  // clang-format on
  return table;
}

struct Result {
  int rc;
  int step;
  std::string chosen;
  std::string why;
};

Result run(const LookupCase& c, const std::vector<FileSpec>& specs) {
  btfgen_host host;
  std::memset(&host, 0xaa, sizeof host);  // parse must set id and version_id, whatever was there
  if (c.os_release != kNoOsRelease)
    btfgen_host_parse_os_release(&host, c.os_release, std::strlen(c.os_release));
  else
    btfgen_host_parse_os_release(&host, "", 0);
  std::snprintf(host.machine, sizeof host.machine, "%s", c.machine);
  std::snprintf(host.release, sizeof host.release, "%s", c.release);

  std::vector<btfgen_file> files;
  for (const FileSpec& f : specs)
    files.push_back({f.path.c_str(), reinterpret_cast<const unsigned char*>(f.bytes.data()), f.bytes.size()});
  btfgen_match match;
  int rc = btfgen_lookup(files.data(), files.size(), &host, &match);
  Result r{rc, match.step, "", match.why};
  if (match.file != nullptr) {
    EXPECT_GE(match.file, files.data());
    EXPECT_LT(match.file, files.data() + files.size());  // points into the caller's list
    r.chosen = match.file->path;
  }
  return r;
}

class LookupTable : public ::testing::TestWithParam<LookupCase> {};

TEST_P(LookupTable, DecidesAsTheRulesSay) {
  const LookupCase& c = GetParam();
  Result r = run(c, c.files);
  EXPECT_EQ(r.rc, c.rc) << r.why;
  EXPECT_EQ(r.step, c.step) << r.why;
  EXPECT_EQ(r.chosen, c.chosen ? c.chosen : "") << r.why;
  EXPECT_FALSE(r.why.empty());
  for (const std::string& part : c.why)
    EXPECT_NE(r.why.find(part), std::string::npos) << "want: " << part << "\nwhy: " << r.why;
  if (c.why_exact) {
    EXPECT_EQ(r.why, c.why_exact);
  }
}

TEST_P(LookupTable, AnswerDoesNotDependOnFileOrder) {
  const LookupCase& c = GetParam();
  const Result expected = run(c, c.files);
  std::vector<FileSpec> order = c.files;
  std::reverse(order.begin(), order.end());
  Result reversed = run(c, order);
  EXPECT_EQ(reversed.rc, expected.rc);
  EXPECT_EQ(reversed.chosen, expected.chosen);
  EXPECT_EQ(reversed.why, expected.why);
  for (size_t shift = 1; shift < c.files.size(); ++shift) {
    order = c.files;
    std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shift), order.end());
    Result rotated = run(c, order);
    EXPECT_EQ(rotated.rc, expected.rc) << "rotation " << shift;
    EXPECT_EQ(rotated.chosen, expected.chosen) << "rotation " << shift;
    EXPECT_EQ(rotated.why, expected.why) << "rotation " << shift;
  }
}

INSTANTIATE_TEST_SUITE_P(Lookup, LookupTable, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<LookupCase>& info) { return std::string(info.param.name); });

TEST(Lookup, TableCoversEveryRule) {
  bool seen[4] = {};
  bool not_found = false, ambiguous = false;
  for (const LookupCase& c : cases()) {
    if (c.rc == 0) seen[c.step - 'a'] = true;
    not_found |= c.rc == BTFGEN_ENOTFOUND;
    ambiguous |= c.rc == BTFGEN_EAMBIGUOUS;
  }
  EXPECT_TRUE(seen[0] && seen[1] && seen[2] && seen[3] && not_found && ambiguous);
}

TEST(Lookup, IdenticalBytesAtDifferentAddressesAreIdentical) {
  // A pack holds each member's own bytes: identity is by content, not by pointer.
  std::string a = "same bytes", b = "same bytes";
  std::string p1 = btf("centos/7/x86_64"), p2 = btf("rhel/7/x86_64");
  btfgen_file files[] = {{p2.c_str(), reinterpret_cast<const unsigned char*>(b.data()), b.size()},
                         {p1.c_str(), reinterpret_cast<const unsigned char*>(a.data()), a.size()}};
  btfgen_host host{};
  std::snprintf(host.machine, sizeof host.machine, "x86_64");
  std::snprintf(host.release, sizeof host.release, "%s", R);
  btfgen_match match;
  ASSERT_EQ(btfgen_lookup(files, 2, &host, &match), 0) << match.why;
  EXPECT_EQ(match.file, &files[1]);
  EXPECT_EQ(match.step, BTFGEN_STEP_ANY);
}

TEST(Lookup, SamePathTwiceFirstInListWins) {
  std::string p = btf("ubuntu/20.04/x86_64");
  btfgen_file files[] = {{p.c_str(), reinterpret_cast<const unsigned char*>("x"), 1},
                         {p.c_str(), reinterpret_cast<const unsigned char*>("x"), 1}};
  btfgen_host host{};
  std::snprintf(host.machine, sizeof host.machine, "x86_64");
  std::snprintf(host.release, sizeof host.release, "%s", R);
  btfgen_match match;
  ASSERT_EQ(btfgen_lookup(files, 2, &host, &match), 0) << match.why;
  EXPECT_EQ(match.file, &files[0]);
}

TEST(Lookup, AmbiguityListIsBoundedByWhy) {
  // Many differing candidates with long paths: why names what fits and counts the rest.
  std::vector<std::string> paths, bytes;
  for (int i = 0; i < 200; ++i) {
    paths.push_back("distro" + std::to_string(1000 + i) + "/" + std::string(40, 'v') + "/x86_64/" + R + ".btf");
    bytes.push_back(std::to_string(i));
  }
  std::vector<btfgen_file> files;
  for (size_t i = 0; i < paths.size(); ++i)
    files.push_back({paths[i].c_str(), reinterpret_cast<const unsigned char*>(bytes[i].data()), bytes[i].size()});
  btfgen_host host{};
  std::snprintf(host.machine, sizeof host.machine, "x86_64");
  std::snprintf(host.release, sizeof host.release, "%s", R);
  btfgen_match match;
  ASSERT_EQ(btfgen_lookup(files.data(), files.size(), &host, &match), BTFGEN_EAMBIGUOUS);
  std::string why = match.why;
  EXPECT_LT(why.size(), sizeof match.why);
  EXPECT_NE(why.find("200 candidates"), std::string::npos) << why;
  EXPECT_NE(why.find(paths[0]), std::string::npos) << why;  // sorted: distro1000 first
  EXPECT_NE(why.find("more"), std::string::npos) << why;
  EXPECT_EQ(match.file, nullptr);
}

TEST(Lookup, NormalisesAHostItDidNotParse) {
  // Rule 0 applies to any host, e.g. one the CLI fills from its flags.
  std::string p = "rhel/8/x86_64/" + std::string(R) + ".btf";
  btfgen_file files[] = {{p.c_str(), reinterpret_cast<const unsigned char*>("r"), 1}};
  btfgen_host host{};
  std::snprintf(host.id, sizeof host.id, " \"rhel\"\t");
  std::snprintf(host.version_id, sizeof host.version_id, "' 8.6 '");
  std::snprintf(host.machine, sizeof host.machine, "x86_64");
  std::snprintf(host.release, sizeof host.release, "%s", R);
  const btfgen_host before = host;
  btfgen_match match;
  ASSERT_EQ(btfgen_lookup(files, 1, &host, &match), 0) << match.why;
  EXPECT_EQ(match.step, BTFGEN_STEP_MAJOR);
  EXPECT_EQ(std::string(match.why), "b) ID=rhel, VERSION_ID=8.6 → version 8: " + p);
  EXPECT_EQ(std::memcmp(&before, &host, sizeof host), 0);  // the caller's host is left alone
}

TEST(Lookup, InvalidArguments) {
  btfgen_host host{};
  btfgen_match match;
  EXPECT_EQ(btfgen_lookup(nullptr, 1, &host, &match), -EINVAL);
  EXPECT_EQ(btfgen_lookup(nullptr, 0, nullptr, &match), -EINVAL);
  EXPECT_EQ(btfgen_lookup(nullptr, 0, &host, nullptr), -EINVAL);
  std::memset(host.release, 'r', sizeof host.release);  // not NUL-terminated
  EXPECT_EQ(btfgen_lookup(nullptr, 0, &host, &match), -EINVAL);
  EXPECT_NE(std::string(match.why).find("NUL"), std::string::npos);
}

TEST(Lookup, NullFilesWithZeroCountIsNotFound) {
  btfgen_host host{};
  std::snprintf(host.machine, sizeof host.machine, "x86_64");
  std::snprintf(host.release, sizeof host.release, "%s", R);
  btfgen_match match;
  EXPECT_EQ(btfgen_lookup(nullptr, 0, &host, &match), BTFGEN_ENOTFOUND);
  EXPECT_EQ(match.step, 0);
  EXPECT_EQ(match.file, nullptr);
}

}  // namespace
