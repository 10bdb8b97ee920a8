// A by-value type cycle reached by TYPE_MATCHES marking: bpftool recurses until it crashes, btfgen
// reports the cycle and writes nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"
#include "test_support.h"

namespace btfgen {
namespace {

const std::string kData = BTFGEN_TEST_DATA_DIR;

TEST(MatchCycle, CliFailsWithoutOutputWhereBpftoolCrashes) {
  test::TempDir tmp;
  const std::string out = tmp.file("out.btf");
  const auto r =
      test::run_command({BTFGEN_BINARY, "min", kData + "/targets/cycle.btf", out, kData + "/match_cycle.bpf.o"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("recurses forever"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  BTFGEN_REQUIRE_TOOL(bpftool, "bpftool");
  const auto b = test::run_command({bpftool, "gen", "min_core_btf", kData + "/targets/cycle.btf", tmp.file("ref.btf"),
                                    kData + "/match_cycle.bpf.o"});
  EXPECT_NE(b.exit_code, 0) << "bpftool no longer fails here; compare its output with btfgen's";
}

}  // namespace
}  // namespace btfgen
