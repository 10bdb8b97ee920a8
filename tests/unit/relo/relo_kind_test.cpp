// The relocation kinds: their numbers are the kernel uapi's (pinned against <linux/bpf.h>, not
// copied), their names libbpf's, their families as the engine groups them.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "btfgen/relo/relo_kind.h"

namespace btfgen {
namespace {

static_assert(kFieldByteOffset == BPF_CORE_FIELD_BYTE_OFFSET);
static_assert(kFieldByteSize == BPF_CORE_FIELD_BYTE_SIZE);
static_assert(kFieldExists == BPF_CORE_FIELD_EXISTS);
static_assert(kFieldSigned == BPF_CORE_FIELD_SIGNED);
static_assert(kFieldLshiftU64 == BPF_CORE_FIELD_LSHIFT_U64);
static_assert(kFieldRshiftU64 == BPF_CORE_FIELD_RSHIFT_U64);
static_assert(kTypeIdLocal == BPF_CORE_TYPE_ID_LOCAL);
static_assert(kTypeIdTarget == BPF_CORE_TYPE_ID_TARGET);
static_assert(kTypeExists == BPF_CORE_TYPE_EXISTS);
static_assert(kTypeSize == BPF_CORE_TYPE_SIZE);
static_assert(kEnumvalExists == BPF_CORE_ENUMVAL_EXISTS);
static_assert(kEnumvalValue == BPF_CORE_ENUMVAL_VALUE);
static_assert(kTypeMatches == BPF_CORE_TYPE_MATCHES);

TEST(ReloKind, NamesAreLibbpfs) {
  const char* want[] = {"byte_off",      "byte_sz",     "field_exists",   "signed",        "lshift_u64",
                        "rshift_u64",    "local_type_id", "target_type_id", "type_exists", "type_size",
                        "enumval_exists", "enumval_value", "type_matches"};
  for (uint32_t k = 0; k < kReloKindCount; k++) EXPECT_STREQ(relo_kind_name(k), want[k]) << k;
  EXPECT_STREQ(relo_kind_name(kReloKindCount), "unknown");
  EXPECT_STREQ(relo_kind_name(0xffffffffu), "unknown");
}

TEST(ReloKind, EveryKindIsInExactlyOneFamily) {
  for (uint32_t k = 0; k < kReloKindCount; k++)
    EXPECT_EQ(int{is_field_kind(k)} + int{is_type_kind(k)} + int{is_enumval_kind(k)}, 1) << relo_kind_name(k);
  EXPECT_FALSE(is_field_kind(kReloKindCount) || is_type_kind(kReloKindCount) || is_enumval_kind(kReloKindCount));
  EXPECT_TRUE(is_field_kind(kFieldRshiftU64));
  EXPECT_TRUE(is_type_kind(kTypeMatches));
  EXPECT_TRUE(is_enumval_kind(kEnumvalValue));
}

}  // namespace
}  // namespace btfgen
