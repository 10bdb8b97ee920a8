// parse_local_spec (src/relo/core_spec.h, spec §7): the access string of a relocation resolved against
// the object's BTF. One table over one local BTF: type kinds accept only "0"; enumval kinds take one
// index within the enum; field kinds build the raw indices, the high-level accessors (anonymous members
// get none) and the bit offset; and every failure returns the exact errno (EINVAL, or E2BIG past 64
// indices). Each success row states the whole spec, so a parser that only returns 0 fails.
#include "relo/core_spec.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "btf_writer.h"
#include "btfgen/common/btf_handle.h"
#include "btfgen/relo/relo_kind.h"

namespace btfgen {
namespace {

using test::Id;

// A BTF being written, with the two composites this file's local types need.
class Btf : public test::BtfWriter {
 public:
  struct Field {
    const char* name;  // null: anonymous
    Id type;
    uint32_t bit_offset;
    uint32_t bitfield_size = 0;
  };
  Id structure(const char* name, uint32_t size, const std::vector<Field>& fields) {
    const Id id = add(name, btf__add_struct(get(), name, size));
    for (const Field& f : fields)
      EXPECT_EQ(btf__add_field(get(), f.name, static_cast<int>(f.type), f.bit_offset, f.bitfield_size), 0);
    return id;
  }
  Id array(Id elem, uint32_t nelems) { return add(nullptr, btf__add_array(get(), index_type_, elem, nelems)); }

 private:
  int index_type_ = btf__add_int(get(), "__ARRAY_SIZE_TYPE__", 4, 0);
};

// The local BTF every row parses against:
//   struct s {                       40 bytes
//     int a;                         member 0, bit 0
//     struct { int b; int c; };      member 1, bit 32, anonymous ("s_anon"): b at bit 0, c at bit 32
//     int arr[4];                    member 2, bit 96
//     int *p;                        member 3, bit 256
//   };
//   struct bits { int lo:3; int hi:5; };         hi at bit 3
//   struct flex { int n; int data[]; };          data is flexible: the last member, no elements
//   struct notflex { int data[0]; int n; };      no elements but not last: not flexible
//   enum e { A, B, C };  typedef enum e te;  enum64 e64 { X, Y };  typedef int tarr[3];  struct opaque;
//   struct d0 { struct d1 m; } ... struct d62 { int m; }      63 levels: 64 indices reach d62.m
Btf make_local_btf() {
  Btf b;
  const Id i = b.add("int", btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED));
  const Id anon = b.label("s_anon", b.structure(nullptr, 8, {{"b", i, 0}, {"c", i, 32}}));
  const Id ptr = b.add(nullptr, btf__add_ptr(b.get(), static_cast<int>(i)));
  b.structure("s", 40, {{"a", i, 0}, {nullptr, anon, 32}, {"arr", b.array(i, 4), 96}, {"p", ptr, 256}});
  b.structure("bits", 4, {{"lo", i, 0, 3}, {"hi", i, 3, 5}});
  b.structure("flex", 4, {{"n", i, 0}, {"data", b.array(i, 0), 32}});
  b.structure("notflex", 4, {{"data", b.array(i, 0), 0}, {"n", i, 0}});
  const Id e = b.add("e", btf__add_enum(b.get(), "e", 4));
  for (const char* name : {"A", "B", "C"}) EXPECT_EQ(btf__add_enum_value(b.get(), name, 0), 0);
  b.add("te", btf__add_typedef(b.get(), "te", static_cast<int>(e)));
  b.add("e64", btf__add_enum64(b.get(), "e64", 8, false));
  for (const char* name : {"X", "Y"}) EXPECT_EQ(btf__add_enum64_value(b.get(), name, 1ull << 40), 0);
  b.add("tarr", btf__add_typedef(b.get(), "tarr", static_cast<int>(b.label("int[3]", b.array(i, 3)))));
  b.add("opaque", btf__add_fwd(b.get(), "opaque", BTF_FWD_STRUCT));
  Id inner = i;
  for (int level = 62; level >= 0; level--) {
    const std::string name = "d" + std::to_string(level);
    inner = b.structure(name.c_str(), 4, {{"m", inner, 0}});
  }
  return b;
}

// "0" followed by N-1 ":0".
std::string zeros(int n) {
  std::string s = "0";
  for (int k = 1; k < n; k++) s += ":0";
  return s;
}

struct WantAcc {
  const char* type;  // a label in the local BTF
  uint32_t idx;
  const char* name;  // null for a root or array index accessor
};

struct ParseRow {
  const char* name;
  const char* root;  // a label in the local BTF
  uint32_t kind;
  std::string access;
  int want;
  std::vector<int32_t> raw = {};  // the spec, checked on success
  std::vector<WantAcc> acc = {};
  uint32_t bit_offset = 0;
};

void check_rows(const Btf& local, const std::vector<ParseRow>& rows) {
  for (const ParseRow& row : rows) {
    SCOPED_TRACE(row.name);
    Spec spec;
    const Id root = local.id(row.root);
    EXPECT_EQ(parse_local_spec(local.get(), root, row.kind, row.access.c_str(), spec), row.want) << row.access;
    if (row.want != 0) continue;
    EXPECT_EQ(spec.btf, local.get());
    EXPECT_EQ(spec.root_type_id, root);
    EXPECT_EQ(spec.kind, row.kind);
    EXPECT_EQ(std::vector<int32_t>(spec.raw.begin(), spec.raw.begin() + spec.raw_len), row.raw);
    EXPECT_EQ(spec.bit_offset, row.bit_offset);
    ASSERT_EQ(spec.len, static_cast<int>(row.acc.size()));
    for (int k = 0; k < spec.len; k++) {
      EXPECT_EQ(spec.acc[k].type_id, local.id(row.acc[k].type)) << "accessor " << k;
      EXPECT_EQ(spec.acc[k].idx, row.acc[k].idx) << "accessor " << k;
      EXPECT_STREQ(spec.acc[k].name, row.acc[k].name) << "accessor " << k;  // both null for an index
    }
  }
}

const WantAcc kRootS = {"s", 0, nullptr};

// clang-format off
TEST(CoreSpecParse, Table) {
  const std::vector<ParseRow> rows = {
      {"type kind: \"0\", nothing else recorded", "s", kTypeExists, "0", 0},
      {"type kind: the root stays unstripped", "te", kTypeSize, "0", 0},
      {"type_matches: \"0\"", "s", kTypeMatches, "0", 0},
      {"type kind: \"1\"", "s", kTypeIdTarget, "1", -EINVAL},
      {"type kind: \"0:0\"", "s", kTypeExists, "0:0", -EINVAL},
      {"type kind: \" 0\" is not exactly \"0\"", "s", kTypeExists, " 0", -EINVAL},
      {"enumval: one index names the enumerator", "e", kEnumvalExists, "2", 0, {2}, {{"e", 2, "C"}}},
      {"enumval: a typedef root is stripped", "te", kEnumvalValue, "1", 0, {1}, {{"e", 1, "B"}}},
      {"enumval: ENUM64", "e64", kEnumvalValue, "1", 0, {1}, {{"e64", 1, "Y"}}},
      {"enumval: index past the last enumerator", "e", kEnumvalExists, "3", -EINVAL},
      {"enumval: negative index", "e", kEnumvalExists, "-1", -EINVAL},
      {"enumval: two indices", "e", kEnumvalExists, "0:0", -EINVAL},
      {"enumval: the root is not an enum", "s", kEnumvalExists, "0", -EINVAL},
      {"field: the root alone", "s", kFieldByteOffset, "0", 0, {0}, {kRootS}, 0},
      {"field: the root index is unchecked pointer arithmetic", "s", kFieldByteOffset, "2", 0, {2},
       {{"s", 2, nullptr}}, 2 * 40 * 8},
      {"field: a negative root index wraps the bit offset", "s", kFieldByteOffset, "-1", 0, {-1},
       {{"s", 0xffffffffu, nullptr}}, static_cast<uint32_t>(-40 * 8)},
      {"field: a named member", "s", kFieldByteSize, "0:2", 0, {0, 2}, {kRootS, {"s", 2, "arr"}}, 96},
      {"field: an anonymous member gets no accessor", "s", kFieldExists, "0:1", 0, {0, 1}, {kRootS}, 32},
      {"field: a member of an anonymous member", "s", kFieldByteOffset, "0:1:1", 0, {0, 1, 1},
       {kRootS, {"s_anon", 1, "c"}}, 32 + 32},
      {"field: an array element", "s", kFieldByteOffset, "0:2:3", 0, {0, 2, 3},
       {kRootS, {"s", 2, "arr"}, {"int", 3, nullptr}}, 96 + 3 * 32},
      {"field: a bitfield's bit offset", "bits", kFieldLshiftU64, "0:1", 0, {0, 1},
       {{"bits", 0, nullptr}, {"bits", 1, "hi"}}, 3},
      {"field: a flexible array takes any index", "flex", kFieldByteOffset, "0:1:100", 0, {0, 1, 100},
       {{"flex", 0, nullptr}, {"flex", 1, "data"}, {"int", 100, nullptr}}, 32 + 100 * 32},
      {"field: a typedef of an array as root", "tarr", kFieldByteOffset, "3", 0, {3}, {{"int[3]", 3, nullptr}},
       3 * 12 * 8},
      {"field: %d syntax, blank separator", "s", kFieldByteOffset, "0 2", 0, {0, 2}, {kRootS, {"s", 2, "arr"}}, 96},
      {"field: %d syntax, plus sign", "s", kFieldByteOffset, "0:+2", 0, {0, 2}, {kRootS, {"s", 2, "arr"}}, 96},
      {"empty string", "s", kFieldByteOffset, "", -EINVAL},
      {"leading ':'", "s", kFieldByteOffset, ":0", -EINVAL},
      {"two ':' in a row", "s", kFieldByteOffset, "0::1", -EINVAL},
      {"trailing ':'", "s", kFieldByteOffset, "0:", -EINVAL},
      {"trailing garbage", "s", kFieldByteOffset, "0a", -EINVAL},
      {"non-numeric", "s", kFieldByteOffset, "x", -EINVAL},
      {"member index past the last member", "s", kFieldByteOffset, "0:4", -EINVAL},
      {"negative member index", "s", kFieldByteOffset, "0:-1", -EINVAL},
      {"array index past the last element", "s", kFieldByteOffset, "0:2:4", -EINVAL},
      {"negative array index", "s", kFieldByteOffset, "0:2:-1", -EINVAL},
      {"an empty array that is not the last member is not flexible", "notflex", kFieldByteOffset, "0:0:0", -EINVAL},
      {"access through a pointer", "s", kFieldByteOffset, "0:3:0", -EINVAL},
      {"access through an int", "int", kFieldByteOffset, "0:0", -EINVAL},
      {"the root's size does not resolve", "opaque", kFieldExists, "0", -EINVAL},
      {"unknown kind", "s", kReloKindCount, "0", -EINVAL},
      {"65 indices", "d0", kFieldByteOffset, zeros(65), -E2BIG},
      {"65 indices, even for an enumval kind", "e", kEnumvalExists, zeros(65), -E2BIG},
  };
  check_rows(make_local_btf(), rows);
}
// clang-format on

TEST(CoreSpecParse, SixtyFourAccessorsAtMost) {
  const Btf local = make_local_btf();
  Spec spec;
  ASSERT_EQ(parse_local_spec(local.get(), local.id("d0"), kFieldByteOffset, zeros(64).c_str(), spec), 0);
  EXPECT_EQ(spec.raw_len, kMaxSpecLen);
  EXPECT_EQ(spec.bit_offset, 0u);
  ASSERT_EQ(spec.len, kMaxSpecLen);
  EXPECT_EQ(spec.acc[0].type_id, local.id("d0"));
  EXPECT_EQ(spec.acc[0].name, nullptr);
  EXPECT_EQ(spec.acc[1].type_id, local.id("d0"));
  EXPECT_EQ(spec.acc[63].type_id, local.id("d62"));
  EXPECT_STREQ(spec.acc[63].name, "m");
}

TEST(CoreSpecParse, MissingAccessStringIsAnError) {  // an access offset past the string section reads as null
  const Btf local = make_local_btf();
  Spec spec;
  EXPECT_EQ(parse_local_spec(local.get(), local.id("s"), kFieldByteOffset, nullptr, spec), -EINVAL);
}

}  // namespace
}  // namespace btfgen
