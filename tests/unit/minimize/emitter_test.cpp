// The emitter (phase 2 of minimization, spec §11): the bytes of the minimized BTF for a given mark
// set. Marked types come out in ascending target id order renumbered 1..N, composites with only
// their marked members and a kind_flag recomputed from what is emitted, references to unmarked
// types as 0 (void), strings interned in emission order with exact dedup and no suffix sharing,
// behind a fixed 24-byte header; and the members libbpf's btf__add_field rejects fail the run
// ("error generating BTF"), as in bpftool.
//
// bpftool's output is compared byte for byte, so these tests pin exact bytes (header, records,
// string section) and read the result back with libbpf's own parser. Marks are made the way the
// engine makes them, through Marker::record on hand-built target specs.
#include "minimize/emitter.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "btf_writer.h"
#include "btfgen/common/btf_handle.h"
#include "btfgen/relo/relo_kind.h"
#include "common/result.h"
#include "minimize/marker.h"
#include "relo/core_spec.h"

namespace btfgen {
namespace {

using namespace std::string_literals;
using Bytes = std::vector<uint8_t>;

constexpr auto at = test::expect_at;
void member(struct btf* b, const char* name, uint32_t type, uint32_t bit_off, uint32_t bits = 0) {
  test::add_member(b, name, type, bit_off, bits);
}
Spec field(uint32_t root, std::initializer_list<int32_t> raw) { return test::field_spec(root, raw); }
Spec type(uint32_t kind, uint32_t root) { return test::type_spec(kind, root); }

void record(Marker& m, const Spec& s) {
  const Status st = m.record(s);
  EXPECT_TRUE(st.ok()) << st.failure().message;
}

// Host-order little builder for expected bytes.
struct Out {
  Bytes b;
  Out& u8(uint8_t v) { return raw(&v, 1); }
  Out& u16(uint16_t v) { return raw(&v, 2); }
  Out& u32(uint32_t v) { return raw(&v, 4); }
  Out& str(const std::string& s) { return raw(s.data(), s.size()); }  // with embedded NULs
  Out& raw(const void* p, size_t n) {
    b.insert(b.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    return *this;
  }
  Out& header(uint32_t type_len, uint32_t str_len) {
    return u16(0xEB9F).u8(1).u8(0).u32(24).u32(0).u32(type_len).u32(type_len).u32(str_len);
  }
};

uint32_t word(const Bytes& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, sizeof(v));
  return v;
}
// The string section, as the header places it.
std::string strings_of(const Bytes& b) {
  const size_t start = word(b, 4) + word(b, 16);
  return std::string(b.begin() + static_cast<long>(start), b.begin() + static_cast<long>(start + word(b, 20)));
}

Bytes emit_ok(const Marker& m) {
  Result<Bytes> r = emit_minimized_btf(m);
  EXPECT_TRUE(r.ok()) << r.failure().message;
  return r.ok() ? *r : Bytes{};
}

BtfPtr parse(const Bytes& b) {
  BtfPtr p(btf__new(b.data(), static_cast<uint32_t>(b.size())));
  EXPECT_NE(p, nullptr) << "libbpf rejects the emitted BTF";
  return p;
}

// One line per type of a parsed BTF, e.g. "[3] STRUCT 'task_struct' size=32 kflag=0 {mm->1@64}".
std::string describe(const struct btf* b) {
  std::string out;
  auto plain = [&](uint32_t off) { return std::string(btf__name_by_offset(b, off)); };
  auto name = [&](uint32_t off) { return "'" + plain(off) + "'"; };
  for (uint32_t id = 1; id < btf__type_cnt(b); id++) {
    const struct btf_type* t = btf__type_by_id(b, id);
    out += "[" + std::to_string(id) + "] ";
    switch (btf_kind(t)) {
      case BTF_KIND_INT:
        out += "INT " + name(t->name_off) + " size=" + std::to_string(t->size) +
               " enc=" + std::to_string(btf_int_encoding(t)) + " bits=" + std::to_string(btf_int_bits(t));
        break;
      case BTF_KIND_PTR:
        out += "PTR ->" + std::to_string(t->type);
        break;
      case BTF_KIND_TYPEDEF:
        out += "TYPEDEF " + name(t->name_off) + " ->" + std::to_string(t->type);
        break;
      case BTF_KIND_ARRAY:
        out += "ARRAY elem=" + std::to_string(btf_array(t)->type) +
               " index=" + std::to_string(btf_array(t)->index_type) + " n=" + std::to_string(btf_array(t)->nelems);
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        out += std::string(btf_is_struct(t) ? "STRUCT " : "UNION ") + name(t->name_off) +
               " size=" + std::to_string(t->size) + " kflag=" + std::to_string(btf_kflag(t)) + " {";
        for (uint16_t i = 0; i < btf_vlen(t); i++) {
          const struct btf_member* m = btf_members(t) + i;
          out += std::string(i ? " " : "") + plain(m->name_off) + "->" + std::to_string(m->type) + "@" +
                 std::to_string(btf_member_bit_offset(t, i));
          if (btf_member_bitfield_size(t, i) != 0) out += ":" + std::to_string(btf_member_bitfield_size(t, i));
        }
        out += "}";
        break;
      }
      case BTF_KIND_ENUM:
        out += "ENUM " + name(t->name_off) + " size=" + std::to_string(t->size) + " {";
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          out += std::string(i ? " " : "") + plain(btf_enum(t)[i].name_off) + "=" + std::to_string(btf_enum(t)[i].val);
        out += "}";
        break;
      case BTF_KIND_FUNC_PROTO:
        out += "FUNC_PROTO ret=" + std::to_string(t->type) + " (";
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          out += std::string(i ? " " : "") + plain(btf_params(t)[i].name_off) + "->" +
                 std::to_string(btf_params(t)[i].type);
        out += ")";
        break;
      default:
        out += "kind " + std::to_string(btf_kind(t));
        break;
    }
    out += "\n";
  }
  return out;
}

TEST(EmitterTest, NothingMarkedGivesThe25ByteEmptyBtf) {
  BtfPtr src(btf__new_empty());
  at(btf__add_int(src.get(), "int", 4, BTF_INT_SIGNED), 1);
  const Marker m(src.get());
  const Bytes want = {0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(emit_ok(m), want);
}

// Spec §11's own example: task_struct{pid} and its int, exactly.
TEST(EmitterTest, ExactBytesOfAMinimalResult) {
  BtfPtr src(btf__new_empty());
  struct btf* b = src.get();
  at(btf__add_int(b, "unsigned int", 4, 0), 1);
  at(btf__add_struct(b, "task_struct", 16), 2);
  member(b, "pid", 4, 0);
  member(b, "flags", 1, 32);
  at(btf__add_ptr(b, 2), 3);
  at(btf__add_int(b, "int", 4, BTF_INT_SIGNED), 4);
  Marker m(src.get());
  record(m, field(2, {0, 0}));

  Out want;
  want.header(/*type_len=*/24 + 16, /*str_len=*/21);
  want.u32(1).u32(0x04000001).u32(16);                  // [1] STRUCT 'task_struct' vlen 1, size 16
  want.u32(13).u32(2).u32(0);                           //     pid -> [2] at bit 0
  want.u32(17).u32(0x01000000).u32(4).u32(0x01000020);  // [2] INT 'int' size 4, signed, 32 bits
  want.str("\0task_struct\0pid\0int\0"s);
  EXPECT_EQ(emit_ok(m), want.b);
}

struct EmitterRenumberTest : ::testing::Test {
  // [1] long  [2] mm_struct{pgd}  [3] *mm_struct  [4] int  [5] list_head{next,prev}  [6] *list_head
  // [7] task_struct{pid, mm, tasks}  [8] typedef task_t
  void SetUp() override {
    struct btf* b = src.get();
    at(btf__add_int(b, "long", 8, BTF_INT_SIGNED), 1);
    at(btf__add_struct(b, "mm_struct", 8), 2);
    member(b, "pgd", 1, 0);
    at(btf__add_ptr(b, 2), 3);
    at(btf__add_int(b, "int", 4, BTF_INT_SIGNED), 4);
    at(btf__add_struct(b, "list_head", 16), 5);
    member(b, "next", 6, 0);
    member(b, "prev", 6, 64);
    at(btf__add_ptr(b, 5), 6);
    at(btf__add_struct(b, "task_struct", 32), 7);
    member(b, "pid", 4, 0);
    member(b, "mm", 3, 64);
    member(b, "tasks", 5, 128);
    at(btf__add_typedef(b, "task_t", 7), 8);
  }
  BtfPtr src{btf__new_empty()};
};

TEST_F(EmitterRenumberTest, UnmarkedReferencesBecomeVoidAndUnwalkedStructsEmpty) {
  Marker m(src.get());
  record(m, field(8, {0, 1}));  // task_t->mm
  record(m, field(8, {0, 2}));  // task_t->tasks (size of)
  const Bytes out = emit_ok(m);
  BtfPtr back = parse(out);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(describe(back.get()),
            "[1] PTR ->0\n"
            "[2] STRUCT 'list_head' size=16 kflag=0 {}\n"
            "[3] STRUCT 'task_struct' size=32 kflag=0 {mm->1@64 tasks->2@128}\n"
            "[4] TYPEDEF 'task_t' ->3\n");
  EXPECT_EQ(strings_of(out), "\0list_head\0task_struct\0mm\0tasks\0task_t\0"s);
}

TEST_F(EmitterRenumberTest, MarkedTypesComeOutInAscendingTargetOrder) {
  Marker m(src.get());
  record(m, field(8, {0, 2, 1}));  // task_t->tasks.prev: PTR [6] marked after [7]'s walk
  record(m, field(8, {0, 1}));
  record(m, field(2, {0, 0}));  // mm_struct->pgd, recorded last, emitted first
  BtfPtr back = parse(emit_ok(m));
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(describe(back.get()),
            "[1] INT 'long' size=8 enc=1 bits=64\n"
            "[2] STRUCT 'mm_struct' size=8 kflag=0 {pgd->1@0}\n"
            "[3] PTR ->2\n"
            "[4] STRUCT 'list_head' size=16 kflag=0 {prev->5@64}\n"
            "[5] PTR ->4\n"
            "[6] STRUCT 'task_struct' size=32 kflag=0 {mm->3@64 tasks->4@128}\n"
            "[7] TYPEDEF 'task_t' ->6\n");
}

// kind_flag follows the emitted members: 1 only when one of them is a bitfield.
TEST(EmitterTest, KindFlagIsRecomputedFromTheEmittedMembers) {
  BtfPtr src(btf__new_empty());
  struct btf* b = src.get();
  at(btf__add_int(b, "unsigned int", 4, 0), 1);
  at(btf__add_struct(b, "flags", 8), 2);  // { unsigned a; unsigned b:3, c:5; unsigned d at byte 5; }: kflag 1
  member(b, "a", 1, 0);
  member(b, "b", 1, 32, 3);
  member(b, "c", 1, 35, 5);
  member(b, "d", 1, 40);
  ASSERT_EQ(btf_kflag(btf__type_by_id(b, 2)), 1);
  struct Case {
    std::vector<int32_t> marked;
    uint32_t kflag;
    std::vector<uint32_t> words;  // the emitted member offset words
  };
  const std::vector<Case> cases = {
      // marked members  kflag  offset words (bit offset | bitfield size << 24)
      {{0}, 0, {0}},
      {{3}, 0, {40}},
      {{0, 3}, 0, {0, 40}},
      {{1}, 1, {32 | 3u << 24}},
      {{0, 2}, 1, {0, 35 | 5u << 24}},
      {{1, 2, 3}, 1, {32 | 3u << 24, 35 | 5u << 24, 40}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.marked));
    Marker m(src.get());
    for (int32_t idx : c.marked) record(m, field(2, {0, idx}));
    const Bytes out = emit_ok(m);
    ASSERT_GE(out.size(), 36u);
    // [1] is the unsigned int, [2] the struct: its info word, then 12-byte members.
    const size_t s = 24 + 16;
    EXPECT_EQ(word(out, s + 4), c.kflag << 31 | 4u << 24 | static_cast<uint32_t>(c.words.size()));
    for (size_t i = 0; i < c.words.size(); i++) EXPECT_EQ(word(out, s + 12 + 12 * i + 8), c.words[i]) << i;
    BtfPtr back = parse(out);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(btf_kflag(btf__type_by_id(back.get(), 2)), c.kflag);
  }
}

TEST(EmitterTest, StringsInEmissionOrderWithExactDedupAndNoSuffixSharing) {
  BtfPtr src(btf__new_empty());
  struct btf* b = src.get();
  at(btf__add_struct(b, "never_marked", 4), 1);
  member(b, "zzz", 3, 0);
  at(btf__add_int(b, "unsigned int", 4, 0), 2);
  at(btf__add_int(b, "int", 4, BTF_INT_SIGNED), 3);
  at(btf__add_struct(b, "s", 8), 4);  // { int int; unsigned u; }
  member(b, "int", 3, 0);
  member(b, "u", 2, 32);
  at(btf__add_struct(b, "t", 4), 5);  // { unsigned u; }
  member(b, "u", 2, 0);
  at(btf__add_enum(b, "e", 4), 6);  // { s, e_b }: enumerators copied whole
  EXPECT_EQ(btf__add_enum_value(b, "s", 0), 0);
  EXPECT_EQ(btf__add_enum_value(b, "e_b", 7), 0);
  at(btf__add_func_proto(b, 3), 7);  // int (unsigned u, int p)
  EXPECT_EQ(btf__add_func_param(b, "u", 2), 0);
  EXPECT_EQ(btf__add_func_param(b, "p", 3), 0);
  at(btf__add_ptr(b, 7), 8);
  at(btf__add_array(b, 2, 3, 5), 9);  // int[5], index unsigned int
  Marker m(src.get());
  record(m, field(4, {0, 0}));
  record(m, field(4, {0, 1}));
  record(m, field(5, {0, 0}));
  record(m, type(kEnumvalExists, 6));
  record(m, type(kTypeExists, 8));
  record(m, type(kTypeSize, 9));
  const Bytes out = emit_ok(m);

  // unsigned int @1, int @14 (not the tail of "unsigned int"), s @18, u @20, t @22, e @24, e_b @26, p @30.
  EXPECT_EQ(strings_of(out), "\0unsigned int\0int\0s\0u\0t\0e\0e_b\0p\0"s);
  // 2 INT + STRUCT(2) + STRUCT(1) + ENUM(2) + FUNC_PROTO(2) + PTR + ARRAY
  const uint32_t type_len = 16 + 16 + 36 + 24 + 28 + 28 + 12 + 24;
  EXPECT_EQ(strings_of(out).size(), 32u);
  Out header;
  header.header(type_len, 32);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 24), header.b);
  EXPECT_EQ(out.size(), 24u + type_len + 32u);
  EXPECT_EQ(word(out, 24 + 32 + 12), 14u) << "struct s's member 'int' reuses the type name's offset";

  BtfPtr back = parse(out);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(describe(back.get()),
            "[1] INT 'unsigned int' size=4 enc=0 bits=32\n"
            "[2] INT 'int' size=4 enc=1 bits=32\n"
            "[3] STRUCT 's' size=8 kflag=0 {int->2@0 u->1@32}\n"
            "[4] STRUCT 't' size=4 kflag=0 {u->1@0}\n"
            "[5] ENUM 'e' size=4 {s=0 e_b=7}\n"
            "[6] FUNC_PROTO ret=2 (u->1 p->2)\n"
            "[7] PTR ->6\n"
            "[8] ARRAY elem=2 index=1 n=5\n");
}

// SRC re-parsed after its member MEMBER of type ID gets offset word WORD: libbpf's writer cannot
// produce an old-style bitfield (kflag 0, unaligned member) or a union member at a non-zero offset.
BtfPtr with_member_word(const struct btf* src, uint32_t id, uint32_t member_idx, uint32_t new_word) {
  uint32_t size = 0;
  const auto* raw = static_cast<const uint8_t*>(btf__raw_data(src, &size));
  Bytes bytes(raw, raw + size);
  const auto* first = reinterpret_cast<const uint8_t*>(btf__type_by_id(src, 1));
  const auto* target = reinterpret_cast<const uint8_t*>(&btf_members(btf__type_by_id(src, id))[member_idx].offset);
  const size_t at = word(bytes, 4) + word(bytes, 8) + static_cast<size_t>(target - first);
  std::memcpy(bytes.data() + at, &new_word, sizeof(new_word));
  return BtfPtr(btf__new(bytes.data(), size));
}

struct Failing {
  const char* what;
  int32_t member;
  std::string message;  // empty: emission succeeds
};

TEST(EmitterTest, OldStyleBitfieldFailsOnlyWhenEmitted) {
  BtfPtr built(btf__new_empty());
  at(btf__add_int(built.get(), "int", 4, BTF_INT_SIGNED), 1);
  at(btf__add_struct(built.get(), "old", 8), 2);  // { int a; int b at bit 8, patched to bit 3 }
  member(built.get(), "a", 1, 0);
  member(built.get(), "b", 1, 8);
  BtfPtr src = with_member_word(built.get(), 2, 1, 3);
  ASSERT_NE(src, nullptr);
  ASSERT_EQ(btf_kflag(btf__type_by_id(src.get(), 2)), 0);
  ASSERT_EQ(btf_member_bit_offset(btf__type_by_id(src.get(), 2), 1), 3u);
  for (const Failing& f : {
           Failing{"the misaligned member", 1,
                   "error generating BTF: member #1 of [2] is an old-style bitfield (bit offset 3 in a struct without "
                   "kind_flag)"},
           Failing{"only the aligned member", 0, ""},
       }) {
    SCOPED_TRACE(f.what);
    Marker m(src.get());
    record(m, field(2, {0, f.member}));
    const Result<Bytes> r = emit_minimized_btf(m);
    if (f.message.empty()) {
      ASSERT_TRUE(r.ok()) << r.failure().message;
      BtfPtr back = parse(*r);
      ASSERT_NE(back, nullptr);
      EXPECT_EQ(describe(back.get()), "[1] INT 'int' size=4 enc=1 bits=32\n[2] STRUCT 'old' size=8 kflag=0 {a->1@0}\n");
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.failure().code, EINVAL);
      EXPECT_EQ(r.failure().message, f.message);
    }
  }
}

TEST(EmitterTest, UnionMemberAtNonZeroOffsetFails) {
  BtfPtr built(btf__new_empty());
  at(btf__add_int(built.get(), "int", 4, BTF_INT_SIGNED), 1);
  at(btf__add_union(built.get(), "u", 4), 2);  // { int a; int b at bit 0, patched to bit 8 }
  member(built.get(), "a", 1, 0);
  member(built.get(), "b", 1, 0);
  BtfPtr src = with_member_word(built.get(), 2, 1, 8);
  ASSERT_NE(src, nullptr);
  Marker m(src.get());
  record(m, field(2, {0, 1}));
  const Result<Bytes> r = emit_minimized_btf(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().code, EINVAL);
  EXPECT_EQ(r.failure().message, "error generating BTF: member #1 of [2] of a union has non-zero bit offset 8");

  Marker first_only(src.get());
  record(first_only, field(2, {0, 0}));
  EXPECT_TRUE(emit_minimized_btf(first_only).ok());
}

TEST(EmitterTest, DanglingReferenceFails) {
  BtfPtr src(btf__new_empty());
  at(btf__add_struct(src.get(), "s", 8), 1);  // { void *p; } with the PTR to a missing id
  member(src.get(), "p", 2, 0);
  at(btf__add_ptr(src.get(), 999), 2);
  Marker m(src.get());
  record(m, field(1, {0, 0}));  // a field's pointer is not followed: marking succeeds
  const Result<Bytes> r = emit_minimized_btf(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure().code, EINVAL);
  EXPECT_EQ(r.failure().message, "error generating BTF: dangling type id 999 in target BTF");
}

}  // namespace
}  // namespace btfgen
