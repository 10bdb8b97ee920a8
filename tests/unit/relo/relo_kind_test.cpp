// The relocation kinds: their numbers are the kernel uapi's (pinned against <linux/bpf.h>, not
// copied), their names libbpf's, their families as the engine groups them.
#include "btfgen/relo/relo_kind.h"

#include <gtest/gtest.h>
#include <linux/bpf.h>

namespace btfgen {
namespace {

constexpr bool same(ReloKind ours, bpf_core_relo_kind uapi) { return uint32_t{ours} == uint32_t{uapi}; }

static_assert(same(kFieldByteOffset, BPF_CORE_FIELD_BYTE_OFFSET));
static_assert(same(kFieldByteSize, BPF_CORE_FIELD_BYTE_SIZE));
static_assert(same(kFieldExists, BPF_CORE_FIELD_EXISTS));
static_assert(same(kFieldSigned, BPF_CORE_FIELD_SIGNED));
static_assert(same(kFieldLshiftU64, BPF_CORE_FIELD_LSHIFT_U64));
static_assert(same(kFieldRshiftU64, BPF_CORE_FIELD_RSHIFT_U64));
static_assert(same(kTypeIdLocal, BPF_CORE_TYPE_ID_LOCAL));
static_assert(same(kTypeIdTarget, BPF_CORE_TYPE_ID_TARGET));
static_assert(same(kTypeExists, BPF_CORE_TYPE_EXISTS));
static_assert(same(kTypeSize, BPF_CORE_TYPE_SIZE));
static_assert(same(kEnumvalExists, BPF_CORE_ENUMVAL_EXISTS));
static_assert(same(kEnumvalValue, BPF_CORE_ENUMVAL_VALUE));
static_assert(same(kTypeMatches, BPF_CORE_TYPE_MATCHES));

TEST(ReloKind, NamesAreLibbpfs) {
  const char* want[] = {"byte_off",       "byte_sz",       "field_exists",   "signed",      "lshift_u64",
                        "rshift_u64",     "local_type_id", "target_type_id", "type_exists", "type_size",
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
