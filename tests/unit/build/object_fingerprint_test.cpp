// The objects' fingerprint: their bytes and order count, their paths do not.
#include "btfgen/build/object_fingerprint.h"

#include <filesystem>

#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

TEST(ObjectFingerprint, FollowsObjectBytesAndOrder) {
  TempDir t;
  const std::string data = BTFGEN_TEST_DATA_DIR;
  const std::string a = data + "/fields.bpf.o", b = data + "/enums.bpf.o";
  fs::copy_file(a, t.file("a2.o"));
  auto fingerprint = [](const std::vector<std::string>& paths) {
    return object_set_fingerprint(ObjectSet::load(paths));
  };
  const auto ab = fingerprint({a, b});
  EXPECT_EQ(ab.size(), 64u);
  EXPECT_EQ(fingerprint({t.file("a2.o"), b}), ab);  // paths do not matter
  EXPECT_NE(fingerprint({b, a}), ab);
  EXPECT_NE(fingerprint({a}), ab);
  EXPECT_NE(fingerprint({a, a}), fingerprint({a}));
}

}  // namespace
}  // namespace btfgen
