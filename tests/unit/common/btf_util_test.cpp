// Small BTF helpers: flavor stripping (spec §1.2): the right-most "___" followed by a non-underscore and preceded by a
// non-underscore starts the flavor; kind names as bpftool prints them.
#include "common/btf_util.h"

#include <gtest/gtest.h>

namespace btfgen {
namespace {

TEST(EssentialName, StripsTheRightMostFlavor) {
  EXPECT_EQ(essential_name_len("task_struct___old"), 11u);
  EXPECT_EQ(essential_name("a___b___c"), "a___b");
  EXPECT_EQ(essential_name("foo___2"), "foo");
}

TEST(EssentialName, KeepsNamesWithoutAQualifyingFlavor) {
  EXPECT_EQ(essential_name("foo____bar"), "foo____bar");  // four underscores: not a flavor
  EXPECT_EQ(essential_name("foo___"), "foo___");          // nothing after the separator
  EXPECT_EQ(essential_name("a___"), "a___");
  EXPECT_EQ(essential_name("abcd"), "abcd");    // shorter than 5
  EXPECT_EQ(essential_name("___ab"), "___ab");  // nothing before the separator
  EXPECT_EQ(essential_name(""), "");
}

TEST(EssentialName, MinimalFlavor) {
  EXPECT_EQ(essential_name("a___b"), "a");
  EXPECT_TRUE(essential_names_equal("sk_buff___x", "sk_buff"));
  EXPECT_FALSE(essential_names_equal("sk_buff___x", "sk_buf"));
}

TEST(KindNames, MatchBpftoolSpelling) {
  EXPECT_STREQ(kind_name(BTF_KIND_FWD), "fwd");
  EXPECT_STREQ(kind_name(BTF_KIND_TYPE_TAG), "type_tag");
  EXPECT_STREQ(kind_name(BTF_KIND_ENUM64), "enum64");
  EXPECT_STREQ(kind_name(42), "unknown");
}

}  // namespace
}  // namespace btfgen
