// Black-box tests of `btfgen report`, `build --report-json/--report-html` and --preserve-decisions
// through the CLI, on small archives of crafted target "kernels" (tests/bpf/targets): the narrowing
// hazard (narrowing.btf x narrow_three.bpf.o), a kernel without it (base.btf x fields.bpf.o), a
// garbage kernel, and an object without CO-RE relocations. The agreement of every value with
// libbpf's own decisions over corpus kernels is tests/scripts/report_vs_libbpf.py.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::CommandResult;
using test::run_command;
using test::TempDir;

const std::string kData = BTFGEN_TEST_DATA_DIR;

CommandResult btfgen(std::vector<std::string> args) {
  args.insert(args.begin(), BTFGEN_BINARY);
  return run_command(args);
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // a/1: the hazard kernel, and one without foo at all; b/2: a kernel that cannot be read.
    fs::create_directories(t_.file("archive/a/1/x86_64"));
    fs::create_directories(t_.file("archive/b/2/x86_64"));
    fs::copy_file(kData + "/targets/narrowing.btf", t_.file("archive/a/1/x86_64/narrowing.btf"));
    fs::copy_file(kData + "/targets/base.btf", t_.file("archive/a/1/x86_64/base.btf"));
    std::ofstream(t_.file("archive/b/2/x86_64/garbage.btf")) << "not BTF at all";
  }
  std::vector<std::string> report(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"report", "--archive", t_.file("archive"), "--arch", "x86_64", "-j", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  TempDir t_;
  const std::string three_ = kData + "/narrow_three.bpf.o";
};

TEST_F(ReportCli, JsonSaysWhatLibbpfDecidesPerKernelAndFlagsTheHazard) {
  const auto r = btfgen(report({"--obj", three_, "--json", t_.file("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = read_json(t_.file("r.json"));
  EXPECT_EQ(doc["format"], "btfgen-report");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["objects"], json::array({three_}));
  ASSERT_EQ(doc["kernels"].size(), 3u);
  // Sorted by output path.
  EXPECT_EQ(doc["kernels"][0]["path"], "a/1/x86_64/base.btf");
  EXPECT_EQ(doc["kernels"][1]["path"], "a/1/x86_64/narrowing.btf");
  EXPECT_EQ(doc["kernels"][2]["path"], "b/2/x86_64/garbage.btf");

  const json& narrowing = doc["kernels"][1];
  EXPECT_EQ(narrowing["status"], "ok");
  EXPECT_TRUE(narrowing["error"].is_null());
  // On the full BTF all three reads resolve: nothing is listed without --all.
  EXPECT_TRUE(narrowing["relocations"].empty());
  ASSERT_EQ(narrowing["programs"].size(), 3u);
  for (const json& p : narrowing["programs"]) {
    EXPECT_EQ(p["resolved"], 1) << p;
    EXPECT_EQ(p["missing"], 0) << p;
    EXPECT_EQ(p["poisoned"], 0) << p;
  }
  // bpftool's output would poison c and b: both named, with both decisions.
  EXPECT_TRUE(narrowing["hazard"].get<bool>());
  ASSERT_EQ(narrowing["hazards"].size(), 2u);
  std::set<std::string> fields;
  for (const json& h : narrowing["hazards"]) {
    fields.insert(h["field"].get<std::string>());
    EXPECT_EQ(h["full"]["result"], "resolved");
    EXPECT_EQ(h["minimized"]["result"], "poisoned");
    EXPECT_TRUE(h["minimized"]["value"].is_null());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"foo.b", "foo.c"}));

  // base.btf has no foo: every read is poisoned (listed), and no output could change that.
  const json& base = doc["kernels"][0];
  EXPECT_EQ(base["status"], "ok");
  EXPECT_FALSE(base["hazard"].get<bool>());
  ASSERT_EQ(base["relocations"].size(), 3u);
  for (const json& x : base["relocations"]) {
    EXPECT_EQ(x["result"], "poisoned") << x;
    EXPECT_TRUE(x["value"].is_null()) << x;
    EXPECT_TRUE(x["target_type"].is_null()) << x;
  }

  const json& garbage = doc["kernels"][2];
  EXPECT_EQ(garbage["status"], "failed");
  EXPECT_NE(garbage["error"].get<std::string>().find("garbage.btf"), std::string::npos) << garbage;

  // The summary: every program clean on one kernel, poisoned on one, failed on one.
  ASSERT_EQ(doc["summary"].size(), 3u);
  std::set<std::string> names;
  for (const json& s : doc["summary"]) {
    names.insert(s["name"].get<std::string>());
    EXPECT_EQ(s["clean"], 1) << s;
    EXPECT_EQ(s["poisoned"], 1) << s;
    EXPECT_EQ(s["failed"], 1) << s;
    EXPECT_EQ(s["missing"], 0) << s;
  }
  EXPECT_EQ(names, (std::set<std::string>{"read_a", "read_b", "read_c"}));
}

TEST_F(ReportCli, AllListsEveryRelocationWithValueAndTargetType) {
  const auto r =
      btfgen(report({"--include", "a/1/*/narrowing.btf", "--all", "--obj", three_, "--json", t_.file("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = read_json(t_.file("r.json"));
  ASSERT_EQ(doc["kernels"].size(), 1u);
  const json& relos = doc["kernels"][0]["relocations"];
  ASSERT_EQ(relos.size(), 3u);
  std::map<std::string, json> by_program;
  for (const json& x : relos) by_program[x["program"].get<std::string>()] = x;
  // The values libbpf patches in on the full BTF (tests/bpf/targets/narrowing.c).
  EXPECT_EQ(by_program["read_a"]["value"], 0);
  EXPECT_EQ(by_program["read_b"]["value"], 4);
  EXPECT_EQ(by_program["read_c"]["value"], 8);
  EXPECT_EQ(by_program["read_a"]["target_type"], "foo___v1");
  EXPECT_EQ(by_program["read_c"]["target_type"], "foo___v2");
  EXPECT_EQ(by_program["read_b"]["target_type"], "foo___v3");
  for (const auto& [name, x] : by_program) {
    EXPECT_EQ(x["kind"], "field_byte_offset");
    EXPECT_EQ(x["type"], "foo");
    EXPECT_EQ(x["result"], "resolved");
    EXPECT_EQ(x["index"], 0);
    EXPECT_EQ(x["object"], 0);
  }
  EXPECT_EQ(by_program["read_c"]["access"], "0:2");
  EXPECT_EQ(by_program["read_c"]["field"], "foo.c");
  EXPECT_EQ(by_program["read_c"]["section"], "tp/p2");
}

TEST_F(ReportCli, TerminalTableAndFailOn) {
  const std::string fields = kData + "/fields.bpf.o";
  const auto r = btfgen(report({"--obj", fields}));
  ASSERT_EQ(r.exit_code, 0) << r.err;  // a failed kernel is listed, not fatal
  EXPECT_NE(r.out.find("program"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fields.bpf.o: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 kernels, 1 program, 12 relocations; failed: 1;"), std::string::npos) << r.out;
  // The worst fields: task.missing_field is missing on both readable kernels.
  EXPECT_NE(r.out.find("task.missing_field missing on 2 kernels: a/1/x86_64/base.btf, a/1/x86_64/narrowing.btf"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("garbage.btf"), std::string::npos) << r.err;

  EXPECT_EQ(btfgen(report({"--obj", fields, "--fail-on", "failed"})).exit_code, 1);
  // Only the clean kernels: nothing to fail on.
  const auto clean =
      btfgen(report({"--include", "a/1/*/narrowing.btf", "--obj", three_, "--fail-on", "poisoned,missing,failed"}));
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(btfgen(report({"--obj", fields, "--fail-on", "sometimes"})).exit_code, 2);
}

TEST_F(ReportCli, FailOnPoisonedAndMissingFollowTheJson) {
  // fields.bpf.o on base.btf: task.missing_field is missing, nothing is poisoned.
  const std::string fields = kData + "/fields.bpf.o";
  const auto r = btfgen(report({"--include", "a/1/*/base.btf", "--obj", fields, "--json", t_.file("r.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = read_json(t_.file("r.json"));
  int missing = 0, poisoned = 0;
  for (const json& p : doc["kernels"][0]["programs"]) {
    missing += p["missing"].get<int>();
    poisoned += p["poisoned"].get<int>();
  }
  EXPECT_EQ(missing, 1);
  EXPECT_EQ(poisoned, 0);
  EXPECT_EQ(btfgen(report({"--include", "a/1/*/base.btf", "--obj", fields, "--fail-on", "missing"})).exit_code,
            missing > 0 ? 1 : 0);
  EXPECT_EQ(btfgen(report({"--include", "a/1/*/base.btf", "--obj", fields, "--fail-on", "poisoned"})).exit_code,
            poisoned > 0 ? 1 : 0);
}

TEST_F(ReportCli, UnwritableReportPathFailsBeforeAnyWork) {
  fs::create_directories(t_.file("a-directory"));
  for (const auto& bad : {std::vector<std::string>{"--json", t_.file("missing-dir/r.json")},
                          std::vector<std::string>{"--html", t_.file("a-directory")}}) {
    std::vector<std::string> args = {"--obj", three_};
    args.insert(args.end(), bad.begin(), bad.end());
    const auto r = btfgen(report(args));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(bad[1]), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("garbage.btf"), std::string::npos) << "no kernel may be read: " << r.err;
  }
  // The same for a build's report, and the build writes nothing.
  const auto b = btfgen({"build", "--archive", t_.file("archive"), "--arch", "x86_64", "--obj", three_, "--output",
                         t_.file("out"), "--report-json", t_.file("missing-dir/r.json")});
  EXPECT_EQ(b.exit_code, 2) << b.err;
  EXPECT_FALSE(fs::exists(t_.file("out")));
}

TEST_F(ReportCli, ObjectWithoutCoreRelocationsIsSaid) {
  const auto r = btfgen(report({"--include", "a/*", "--obj", kData + "/plain.bpf.o"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("plain.bpf.o has no CO-RE relocations"), std::string::npos) << r.out;
}

TEST_F(ReportCli, PreserveDecisionsOnlyWhereTheDefaultWouldChangeOne) {
  const std::string target = kData + "/targets/narrowing.btf";
  ASSERT_EQ(btfgen({"min", target, t_.file("default.btf"), three_}).exit_code, 0);
  const auto p = btfgen({"min", "--preserve-decisions", target, t_.file("preserved.btf"), three_});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.err.find("would change 2 decisions"), std::string::npos) << p.err;
  EXPECT_NE(test::read_file_bytes(t_.file("default.btf")), test::read_file_bytes(t_.file("preserved.btf")));
  // No hazard: the bytes stay bpftool's (= the default output).
  const std::string base = kData + "/targets/base.btf", fields = kData + "/fields.bpf.o";
  ASSERT_EQ(btfgen({"min", base, t_.file("b-default.btf"), fields}).exit_code, 0);
  ASSERT_EQ(btfgen({"min", "--preserve-decisions", base, t_.file("b-preserved.btf"), fields}).exit_code, 0);
  EXPECT_EQ(test::read_file_bytes(t_.file("b-default.btf")), test::read_file_bytes(t_.file("b-preserved.btf")));

  // The preserved output decides as the full BTF: a report on it has no hazard and resolves all.
  fs::create_directories(t_.file("min-archive/m/1/x86_64"));
  fs::copy_file(t_.file("preserved.btf"), t_.file("min-archive/m/1/x86_64/k.btf"));
  const auto r = btfgen({"report", "--archive", t_.file("min-archive"), "--arch", "x86_64", "--obj", three_, "--json",
                         t_.file("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = read_json(t_.file("r.json"));
  for (const json& s : doc["summary"]) EXPECT_EQ(s["clean"], 1) << s;
}

TEST_F(ReportCli, BuildReportsFromTheSamePassAndPreservesOnlyWhereNeeded) {
  fs::remove(t_.file("archive/b/2/x86_64/garbage.btf"));
  const auto r = btfgen(report({"--obj", three_, "--json", t_.file("report.json")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto b =
      btfgen({"build", "--archive", t_.file("archive"), "--arch", "x86_64", "--obj", three_, "--output", t_.file("out"),
              "--report-json", t_.file("build.json"), "--report-html", t_.file("build.html")});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(read_json(t_.file("build.json")), read_json(t_.file("report.json")));
  const std::vector<uint8_t> page = test::read_file_bytes(t_.file("build.html"));
  const std::string html(page.begin(), page.end());
  EXPECT_NE(html.find("\"btfgen-report\""), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);

  // An unchanged rebuild still reports every kernel (decided again, outputs left alone).
  const auto again = btfgen({"build", "--archive", t_.file("archive"), "--arch", "x86_64", "--obj", three_, "--output",
                             t_.file("out"), "--report-json", t_.file("again.json")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_json(t_.file("again.json")), read_json(t_.file("report.json")));

  // --preserve-decisions: the hazard kernel differs from the default output, the other does not.
  const auto p = btfgen({"build", "--archive", t_.file("archive"), "--arch", "x86_64", "--obj", three_, "--output",
                         t_.file("preserved"), "--preserve-decisions"});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(test::read_file_bytes(t_.file("out/a/1/x86_64/narrowing.btf")),
            test::read_file_bytes(t_.file("preserved/a/1/x86_64/narrowing.btf")));
  EXPECT_EQ(test::read_file_bytes(t_.file("out/a/1/x86_64/base.btf")),
            test::read_file_bytes(t_.file("preserved/a/1/x86_64/base.btf")));
}

}  // namespace
}  // namespace btfgen
