// The marker (phase 1 of minimization): what each relocation kind marks, and the failures bpftool
// cannot survive (a by-value cycle reached by TYPE_MATCHES marking makes bpftool recurse until it
// crashes; btfgen reports the cycle).
#include <gtest/gtest.h>

#include <string>

#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"

namespace btfgen {
namespace {

const std::string kData = BTFGEN_TEST_DATA_DIR;

TEST(MatchCycle, LibraryReportsTheCycle) {
  BtfPtr target = load_kernel_btf(kData + "/targets/cycle.btf");
  const ObjectSet objects = ObjectSet::load({kData + "/match_cycle.bpf.o"});
  try {
    minimize(target.get(), objects);
    FAIL() << "minimize accepted a by-value cycle in TYPE_MATCHES marking";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ELOOP);
    const std::string what = e.what();
    EXPECT_NE(what.find("match_cycle.bpf.o: prog 'tp/match_cycle' relo #0 <type_matches>"), std::string::npos) << what;
    EXPECT_NE(what.find("recurses forever"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace btfgen
