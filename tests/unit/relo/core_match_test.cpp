// The CO-RE matching rules (src/relo/core_match.h, spec §8.1–8.5): types_compatible, fields_compatible,
// types_match and match_candidate, as tables in the style of cilium/ebpf's TestCOREAreTypesCompatible.
// Each row writes a small local and target type with libbpf's BTF writer and states the exact result
// (1 match, 0 no match, negative errno). Every numbered rule in core_match.h has a matching row and a
// near miss, so dropping or inverting a rule fails a row; the error rows pin what is fatal to a
// relocation (a pointer/array chain over 32 links, the recursion level exhausted, dangling ids).
#include "relo/core_match.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "btf_writer.h"
#include "btfgen/common/btf_handle.h"
#include "btfgen/relo/relo_kind.h"
#include "relo/core_spec.h"

namespace btfgen {
namespace {

using test::Id;
using Btf = test::BtfWriter;

// Writes one type (after what it refers to) into a Btf and returns its id; the rows compose these.
using Build = std::function<Id(Btf&)>;

Build Void() {
  return [](Btf&) { return Id{0}; };
}
Build Int(const char* name = "int", uint32_t size = 4, bool is_signed = true) {
  return [=](Btf& b) { return b.add(name, btf__add_int(b.get(), name, size, is_signed ? BTF_INT_SIGNED : 0)); };
}
// An `int` whose encoding has a bit offset, which the writer API cannot express: the record is patched.
Build IntAtBit(uint32_t bits) {
  return [=](Btf& b) {
    const Id id = Int()(b);
    *reinterpret_cast<uint32_t*>(const_cast<struct btf_type*>(btf__type_by_id(b.get(), id)) + 1) |= bits << 16;
    return id;
  };
}
Build Float(uint32_t size = 4) {
  return [=](Btf& b) { return b.add("float", btf__add_float(b.get(), "float", size)); };
}
Build Ptr(const Build& to) {
  return [=](Btf& b) {
    const Id t = to(b);
    return b.add(nullptr, btf__add_ptr(b.get(), t));
  };
}
Build Const(const Build& to) {
  return [=](Btf& b) {
    const Id t = to(b);
    return b.add(nullptr, btf__add_const(b.get(), t));
  };
}
Build Typedef(const char* name, const Build& to) {
  return [=](Btf& b) {
    const Id t = to(b);
    return b.add(name, btf__add_typedef(b.get(), name, t));
  };
}
Build Array(const Build& elem, uint32_t nelems) {
  return [=](Btf& b) {
    const Id e = elem(b), index = Int("__ARRAY_SIZE_TYPE__")(b);
    return b.add(nullptr, btf__add_array(b.get(), index, e, nelems));
  };
}
Build Fwd(const char* name, bool is_union = false) {
  return [=](Btf& b) { return b.add(name, btf__add_fwd(b.get(), name, is_union ? BTF_FWD_UNION : BTF_FWD_STRUCT)); };
}
Build Label(const char* label, const Build& build) {
  return [=](Btf& b) {
    const Id id = build(b);
    b.label(label, id);
    return id;
  };
}

struct Member {
  const char* name;  // null: anonymous
  Build type;
  uint32_t bitfield_size = 0;
};
// A struct or union laid out as C would: members at their natural alignment, bitfields packed.
Build Composite(bool is_union, const char* name, const std::vector<Member>& members) {
  return [=](Btf& b) {
    std::vector<Id> types;
    std::vector<uint32_t> offsets;
    uint32_t cur = 0, end = 0, align = 8;
    for (const Member& m : members) {
      const Id t = types.emplace_back(m.type(b));
      const bool exists = t < btf__type_cnt(b.get());  // libbpf's align_of crashes on a dangling id
      const long long size = exists ? std::max(btf__resolve_size(b.get(), t), 0ll) : 0;  // incomplete: no room
      const uint32_t a = exists && btf__align_of(b.get(), t) > 0 ? btf__align_of(b.get(), t) * 8 : 8;
      const uint32_t off = offsets.emplace_back(is_union ? 0 : m.bitfield_size ? cur : (cur + a - 1) / a * a);
      cur = off + (m.bitfield_size ? m.bitfield_size : static_cast<uint32_t>(size) * 8);
      end = std::max(end, cur);
      align = std::max(align, a);
    }
    const uint32_t bytes = (end + align - 1) / align * align / 8;
    const Id id = b.add(name, is_union ? btf__add_union(b.get(), name, bytes) : btf__add_struct(b.get(), name, bytes));
    for (size_t i = 0; i < members.size(); i++)
      b.ok(btf__add_field(b.get(), members[i].name, types[i], offsets[i], members[i].bitfield_size));
    return id;
  };
}
Build Struct(const char* name, const std::vector<Member>& members = {}) { return Composite(false, name, members); }
Build Union(const char* name, const std::vector<Member>& members = {}) { return Composite(true, name, members); }

// Enumerators numbered 0, 1, 2...
Build Enum(const char* name, const std::vector<const char*>& enumerators, uint32_t size = 4, bool is64 = false) {
  return [=](Btf& b) {
    const Id id = b.add(name, is64 ? btf__add_enum64(b.get(), name, size, false) : btf__add_enum(b.get(), name, size));
    int value = 0;
    for (const char* e : enumerators)
      b.ok(is64 ? btf__add_enum64_value(b.get(), e, value++) : btf__add_enum_value(b.get(), e, value++));
    return id;
  };
}
Build Enum64(const char* name, const std::vector<const char*>& enumerators, uint32_t size = 8) {
  return Enum(name, enumerators, size, true);
}
Build Proto(const Build& ret, const std::vector<Build>& params) {
  return [=](Btf& b) {
    std::vector<Id> types;
    types.reserve(params.size());
    for (const Build& p : params) types.push_back(p(b));
    const Id id = b.add(nullptr, btf__add_func_proto(b.get(), ret(b)));
    for (Id t : types) b.ok(btf__add_func_param(b.get(), "arg", t));
    return id;
  };
}
Build Func(const char* name) {
  return [=](Btf& b) {
    const Id proto = Proto(Int(), {})(b);
    return b.add(name, btf__add_func(b.get(), name, BTF_FUNC_STATIC, proto));
  };
}

// N pointers to TO; N links alternating CONST and TYPEDEF; N prototypes each taking a pointer to the next.
Build Ptrs(int n, const Build& to) { return n == 0 ? to : Ptr(Ptrs(n - 1, to)); }
Build Mods(int n, const Build& to) {
  return n == 0 ? to : n % 2 ? Const(Mods(n - 1, to)) : Typedef("t", Mods(n - 1, to));
}
Build Protos(int n) { return n == 1 ? Proto(Int(), {Int()}) : Proto(Int(), {Ptr(Protos(n - 1))}); }
// N anonymous structs, each the only (anonymous) member of the one before; the innermost holds `int a`.
Build AnonNest(int n) {
  return n == 0 ? Label("innermost", Struct(nullptr, {{"a", Int()}})) : Struct(nullptr, {{nullptr, AnonNest(n - 1)}});
}
Build Dangling() {
  return [](Btf& b) { return btf__type_cnt(b.get()) + 100; };
}
Build TypedefCycle() {  // typedef a -> typedef b -> typedef a
  return [](Btf& b) {
    const Id first = btf__type_cnt(b.get());
    b.add("a", btf__add_typedef(b.get(), "a", static_cast<int>(first + 1)));
    return b.add("b", btf__add_typedef(b.get(), "b", static_cast<int>(first)));
  };
}

struct PairRow {
  const char* name;
  Build local;
  Build target;
  int want;
  bool behind_ptr = false;  // types_match only
  int level = 32;           // types_compatible and types_match
};
constexpr bool kByValue = false, kBehindPtr = true;

template <typename Fn>
void run_pairs(const std::vector<PairRow>& rows, Fn fn) {
  for (const PairRow& row : rows) {
    Btf local, target;
    const Id l = row.local(local), t = row.target(target);
    EXPECT_EQ(fn(local.get(), l, target.get(), t, row), row.want) << row.name;
  }
}

// The tables read better one row a line than as clang-format would wrap them.
// clang-format off
TEST(CoreMatchTypesCompatible, Table) {
  const std::vector<PairRow> rows = {
      {"1: typedef roots on both sides", Typedef("t", Int()), Typedef("u", Int()), 1},
      {"1: the roots are compared unstripped: typedef vs int", Typedef("t", Int()), Int(), 0},
      {"1: an ENUM root matches an ENUM64 root", Enum("e", {"A"}), Enum64("e", {"A"}), 1},
      {"2: stripped kinds differ: int vs struct", Typedef("t", Int()), Typedef("t", Struct("s")), 0},
      {"2: stripped kinds differ: struct vs union", Struct("s"), Union("s"), 0},
      {"2: ENUM behind a typedef matches ENUM64", Typedef("t", Enum("e", {"A"})), Typedef("t", Enum64("e", {"A"})), 1},
      {"3: structs: neither names nor members are compared", Struct("a", {{"x", Int()}}), Struct("b"), 1},
      {"3: unions: neither names nor members are compared", Union("u", {{"x", Int()}}), Union("v"), 1},
      {"3: enums with other names and enumerators", Enum("e", {"A"}), Enum("f", {"B", "C"}), 1},
      {"3: fwds of another name and flavor", Fwd("foo"), Fwd("bar", true), 1},
      {"3: names are not compared below the root", Ptr(Struct("a")), Ptr(Struct("b", {{"y", Int()}})), 1},
      {"3: void pointee matches void", Ptr(Void()), Ptr(Void()), 1},
      {"3: void pointee does not match int", Ptr(Void()), Ptr(Int()), 0},
      {"3: a fwd does not match the struct it declares", Fwd("s"), Struct("s"), 0},
      {"4: int size and signedness are ignored", Int("int", 4, true), Int("unsigned long", 8, false), 1},
      {"4: local int has a bit offset", IntAtBit(3), Int(), 0},
      {"4: target int has a bit offset", Int(), IntAtBit(3), 0},
      {"5: pointees are compared after stripping", Ptr(Int()), Ptr(Typedef("t", Const(Int()))), 1},
      {"5: incompatible pointees", Ptr(Int()), Ptr(Struct("s")), 0},
      {"5: array dimensions are ignored", Array(Int(), 4), Array(Int(), 8), 1},
      {"5: incompatible array elements", Array(Int(), 4), Array(Struct("s"), 4), 0},
      {"6: parameters are stripped before comparison", Proto(Int(), {Int()}), Proto(Int(), {Typedef("t", Int())}), 1},
      {"6: void prototypes", Proto(Void(), {}), Proto(Void(), {}), 1},
      {"6: parameter counts differ", Proto(Int(), {Int()}), Proto(Int(), {Int(), Int()}), 0},
      {"6: a parameter is incompatible", Proto(Int(), {Int(), Int()}), Proto(Int(), {Int(), Struct("s")}), 0},
      {"6: return types are incompatible", Proto(Int(), {Int()}), Proto(Struct("s"), {Int()}), 0},
      {"7: FLOAT does not match FLOAT", Float(), Float(), 0},
      {"7: FUNC does not match FUNC", Func("f"), Func("f"), 0},
      {"modifiers and typedefs are stripped without limit", Mods(40, Int()), Mods(40, Int()), 1},
      {"31 pointers then int", Ptrs(31, Int()), Ptrs(31, Int()), 1},
      {"32 pointers then int exceed the 32-step budget", Ptrs(32, Int()), Ptrs(32, Int()), -EINVAL},
      {"32 nested prototypes fit the default level", Protos(32), Protos(32), 1},
      {"33 nested prototypes exhaust the default level", Protos(33), Protos(33), -EINVAL},
      {"level 0: a parameter is an error", Proto(Int(), {Int()}), Proto(Int(), {Int()}), -EINVAL, kByValue, 0},
      {"level 0: no parameter, no recursion", Proto(Int(), {}), Proto(Int(), {}), 1, kByValue, 0},
      {"level 1: a nested parameter is an error", Protos(2), Protos(2), -EINVAL, kByValue, 1},
      {"level 2: the nested parameter fits", Protos(2), Protos(2), 1, kByValue, 2},
      {"dangling local root", Dangling(), Int(), -EINVAL},
      {"dangling target root", Int(), Dangling(), -EINVAL},
      {"dangling pointee", Ptr(Dangling()), Ptr(Int()), -EINVAL},
      {"typedef cycle", TypedefCycle(), Typedef("t", Int()), -EINVAL},
  };
  run_pairs(rows, [](const struct btf* l, Id lid, const struct btf* t, Id tid, const PairRow& row) {
    return types_compatible(l, lid, t, tid, row.level);
  });
}

TEST(CoreMatchFieldsCompatible, Table) {
  const std::vector<PairRow> rows = {
      {"1: STRUCT and UNION are interchangeable", Struct("a", {{"x", Int()}}), Union("b"), 1},
      {"1: composites behind typedefs", Typedef("t", Struct("s")), Const(Struct("s")), 1},
      {"1: a struct does not match an int", Struct("s"), Int(), 0},
      {"2: ENUM matches ENUM64", Enum("e", {"A"}), Enum64("e", {"B"}), 1},
      {"2: int vs enum", Int(), Enum("e", {"A"}), 0},
      {"2: pointer vs int", Ptr(Int()), Int(), 0},
      {"3: pointees are not examined", Ptr(Int()), Ptr(Struct("s")), 1},
      {"3: FLOAT of any size", Float(4), Float(8), 1},
      {"4: enum names equal once flavors are stripped", Enum("e___v2", {"A"}), Enum("e", {"B"}), 1},
      {"4: enum names differ", Enum("e", {"A"}), Enum("f", {"A"}), 0},
      {"4: an essential name is a whole name, not a prefix", Enum("task", {"A"}), Enum("tasks", {"A"}), 0},
      {"4: anonymous local enum", Enum("", {"A"}), Enum("f", {"A"}), 1},
      {"4: anonymous target enum", Enum("e", {"A"}), Enum("", {"A"}), 1},
      {"4: ENUM64 names compared too", Enum64("e", {"A"}), Enum("f", {"A"}), 0},
      {"4: fwds by name, flavor kflag ignored", Fwd("foo___x"), Fwd("foo", true), 1},
      {"4: fwds with other names", Fwd("foo"), Fwd("bar"), 0},
      {"5: int size and signedness are ignored", Int(), Int("unsigned char", 1, false), 1},
      {"5: local int has a bit offset", IntAtBit(8), Int(), 0},
      {"5: target int has a bit offset", Int(), IntAtBit(8), 0},
      {"6: array elements, dimensions ignored", Array(Int(), 2), Array(Int(), 10), 1},
      {"6: arrays of struct vs union", Array(Struct("s"), 2), Array(Union("u"), 3), 1},
      {"6: arrays of incompatible elements", Array(Int(), 2), Array(Ptr(Int()), 2), 0},
      {"6: array vs its element type", Array(Int(), 2), Int(), 0},
      {"7: FUNC_PROTO does not match", Proto(Int(), {}), Proto(Int(), {}), 0},
      {"7: void does not match void", Void(), Void(), 0},
      {"modifiers and typedefs are stripped without limit", Mods(40, Int()), Int(), 1},
      {"dangling local", Dangling(), Int(), -EINVAL},
      {"dangling target", Int(), Dangling(), -EINVAL},
      {"dangling array element", Array(Int(), 1), Array(Dangling(), 1), -EINVAL},
      {"typedef cycle", Int(), TypedefCycle(), -EINVAL},
  };
  run_pairs(rows, [](const struct btf* l, Id lid, const struct btf* t, Id tid, const PairRow&) {
    return fields_compatible(l, lid, t, tid);
  });
}

const Build kFooA = Struct("foo", {{"a", Int()}});  // struct foo { int a; }
const Build kLong = Int("long", 8);

TEST(CoreMatchTypesMatch, Table) {
  const std::vector<PairRow> rows = {
      {"1: named local vs anonymous target", Struct("foo"), Struct(nullptr), 0},
      {"1: anonymous local vs anonymous target", Struct(nullptr), Struct(nullptr), 1},
      {"1: anonymous local vs named target", Struct(nullptr), Struct("foo"), 0},
      {"1: flavors are stripped", Struct("foo___v2"), Struct("foo"), 1},
      {"1: int names are compared: long vs long int", kLong, Int("long int", 8), 0},
      {"1: typedef names are stripped away", Typedef("u32", Int("unsigned int", 4, false)),
       Typedef("__u32", Int("unsigned int", 4, false)), 1},
      {"2: void matches void", Void(), Void(), 1},
      {"2: void does not match an anonymous struct", Void(), Struct(nullptr), 0},
      {"3: behind a pointer: fwd vs fwd of the same flavor", Fwd("foo"), Fwd("foo"), 1, kBehindPtr},
      {"3: behind a pointer: struct fwd vs union fwd", Fwd("foo"), Fwd("foo", true), 0, kBehindPtr},
      {"3: behind a pointer: struct fwd vs the struct", Fwd("foo"), kFooA, 1, kBehindPtr},
      {"3: behind a pointer: union fwd vs the union", Fwd("foo", true), Union("foo"), 1, kBehindPtr},
      {"3: behind a pointer: struct fwd vs a union", Fwd("foo"), Union("foo"), 0, kBehindPtr},
      {"3: behind a pointer: union fwd vs a struct", Fwd("foo", true), Struct("foo"), 0, kBehindPtr},
      {"3: by value: fwd vs fwd of the same flavor", Fwd("foo"), Fwd("foo"), 1},
      {"3: by value: union fwd vs struct fwd", Fwd("foo", true), Fwd("foo"), 0},
      {"3: by value: fwd vs the struct", Fwd("foo"), Struct("foo"), 0},
      {"3: a pointer puts its pointee behind it", Ptr(Fwd("foo")), Ptr(Struct("foo")), 1},
      {"4: enumerators in any order, values ignored", Enum("e", {"A", "B"}), Enum("e", {"C", "B", "A"}), 1},
      {"4: a local enumerator is missing", Enum("e", {"A", "B"}), Enum("e", {"A", "C"}), 0},
      {"4: more local enumerators than target ones, all found", Enum("e", {"A", "A___v2"}), Enum("e", {"A"}), 0},
      {"4: ENUM vs ENUM64 of the same size", Enum("e", {"A"}), Enum64("e", {"A"}, 4), 1},
      {"4: sizes differ", Enum("e", {"A"}), Enum64("e", {"A"}, 8), 0},
      {"4: enumerator flavors are stripped", Enum("e", {"A___v2"}), Enum("e", {"A"}), 1},
      {"4: an enum does not match an int of its name and size", Enum("e", {}), Int("e"), 0},
      {"5: behind a pointer: members are not compared", kFooA, Struct("foo", {{"b", kLong}}), 1, kBehindPtr},
      {"5: behind a pointer: struct vs union", Struct("foo"), Union("foo"), 0, kBehindPtr},
      {"5: behind a pointer: struct vs its fwd", Struct("foo"), Fwd("foo"), 1, kBehindPtr},
      {"5: behind a pointer: struct vs a union fwd", Struct("foo"), Fwd("foo", true), 0, kBehindPtr},
      {"5: behind a pointer: union vs its fwd", Union("foo"), Fwd("foo", true), 1, kBehindPtr},
      {"5: by value: struct vs union", Struct("foo"), Union("foo"), 0},
      {"5: by value: members matched by name, any order", kFooA, Struct("foo", {{"b", kLong}, {"a", Int()}}), 1},
      {"5: by value: a member's type differs", kFooA, Struct("foo", {{"a", kLong}}), 0},
      {"5: by value: a local member is missing", Struct("foo", {{"a", Int()}, {"b", Int()}}),
       Struct("foo", {{"a", Int()}, {"c", Int()}}), 0},
      {"5: by value: more local members than target ones, all found", Struct("foo", {{"a", Int()}, {"a___v2", Int()}}),
       kFooA, 0},
      {"5: by value: member flavors are stripped", Struct("foo", {{"a___x", Int()}}), kFooA, 1},
      {"5: by value: a later same-named member matches", kFooA, Struct("foo", {{"a", kLong}, {"a", Int()}}), 1},
      {"5: by value: pointer members compare behind the pointer",
       Struct("foo", {{"p", Ptr(Struct("bar", {{"x", Int()}}))}}), Struct("foo", {{"p", Ptr(Struct("bar"))}}), 1},
      {"6: same size and signedness", Int("int", 4, true), Int("int", 4, true), 1},
      {"6: sizes differ", Int("int", 4), Int("int", 8), 0},
      {"6: signedness differs", Int("int", 4, true), Int("int", 4, false), 0},
      {"7: pointers to matching pointees", Ptr(Int()), Ptr(Typedef("t", Int())), 1},
      {"7: pointers to other pointees", Ptr(Int()), Ptr(kLong), 0},
      {"7: pointer vs array", Ptr(Int()), Array(Int(), 1), 0},
      {"7: arrays of the same count", Array(Int(), 4), Array(Int(), 4), 1},
      {"7: arrays of other counts", Array(Int(), 4), Array(Int(), 8), 0},
      {"7: arrays of other elements", Array(Int(), 4), Array(Int("int", 4, false), 4), 0},
      {"8: prototypes that match", Proto(Int(), {Ptr(Fwd("s"))}), Proto(Int(), {Ptr(Struct("s"))}), 1},
      {"8: parameter counts differ", Proto(Int(), {}), Proto(Int(), {Int()}), 0},
      {"8: a parameter differs", Proto(Int(), {Int()}), Proto(Int(), {kLong}), 0},
      {"8: return types differ", Proto(Int(), {}), Proto(Void(), {}), 0},
      {"9: FLOAT does not match FLOAT", Float(), Float(), 0},
      {"9: FUNC does not match FUNC", Func("f"), Func("f"), 0},
      {"modifiers and typedefs are stripped without limit", Mods(40, Int()), Int(), 1},
      {"31 pointers then int", Ptrs(31, Int()), Ptrs(31, Int()), 1},
      {"32 pointers then int exceed the 32-step budget", Ptrs(32, Int()), Ptrs(32, Int()), -EINVAL},
      {"level 0 is an error at once", Int(), Int(), -EINVAL, kByValue, 0},
      {"level 1: a member by value is an error", kFooA, kFooA, -EINVAL, kByValue, 1},
      {"level 2: the member fits", kFooA, kFooA, 1, kByValue, 2},
      {"level 1: a parameter is an error", Proto(Int(), {Int()}), Proto(Int(), {Int()}), -EINVAL, kByValue, 1},
      {"dangling local", Dangling(), Int(), -EINVAL},
      {"dangling target", Int(), Dangling(), -EINVAL},
      {"a dangling member type is fatal", kFooA, Struct("foo", {{"a", Dangling()}}), -EINVAL},
      {"typedef cycle", TypedefCycle(), Int(), -EINVAL},
  };
  run_pairs(rows, [](const struct btf* l, Id lid, const struct btf* t, Id tid, const PairRow& row) {
    return types_match(l, lid, t, tid, row.behind_ptr, row.level);
  });
}

struct WantAcc {
  const char* type;  // a name or label in the target BTF
  uint32_t idx;
  const char* name;  // null for a root or array index accessor
};

struct CandidateRow {
  const char* name;
  Build local;  // the local root, parsed with ACCESS for KIND
  uint32_t kind;
  const char* access;
  Build target;  // the candidate
  int want;
  std::vector<int32_t> raw = {};  // the candidate spec, checked on a match
  std::vector<WantAcc> acc = {};
  uint32_t bit_offset = 0;
};

const Build kSa = Struct("s", {{"a", Int()}});                  // struct s { int a; }
const Build kSab = Struct("s", {{"a", Int()}, {"b", Int()}});   // struct s { int a; int b; }
const Build kSarr4 = Struct("s", {{"arr", Array(Int(), 4)}});   // struct s { int arr[4]; }
const Build kE = Enum("e", {"B"});                              // enum e { B }
const WantAcc kRootS = {"s", 0, nullptr};

// Target offsets are C's: in struct s { long x; int y; int b; }, b is at bit 96.
TEST(CoreMatchCandidate, Table) {
  const std::vector<CandidateRow> rows = {
      {"type_exists uses types_compatible: members differ", kSab, kTypeExists, "0", Struct("s", {{"c", kLong}}), 1},
      {"type_matches uses types_match: members differ", kSab, kTypeMatches, "0", Struct("s", {{"c", kLong}}), 0},
      {"type_matches: every local member found", kSab, kTypeMatches, "0",
       Struct("s", {{"b", Int()}, {"c", kLong}, {"a", Int()}}), 1},
      {"type_size: struct vs union", kSab, kTypeSize, "0", Union("s"), 0},
      {"target_type_id: the root stays unstripped", Typedef("t", kSab), kTypeIdTarget, "0", Typedef("t", kSab), 1},
      {"type_exists: dangling candidate", kSab, kTypeExists, "0", Dangling(), -EINVAL},
      {"enumval by essential name", Enum("e", {"A", "B___v2"}), kEnumvalExists, "1", Enum("e", {"X", "B"}), 1,
       {1}, {{"e", 1, "B"}}},
      {"enumval: the first essential-name hit wins", kE, kEnumvalValue, "0", Enum("e", {"B___a", "B"}), 1,
       {0}, {{"e", 0, "B___a"}}},
      {"enumval: a typedef candidate is stripped", kE, kEnumvalExists, "0", Typedef("t", kE), 1, {0}, {{"e", 0, "B"}}},
      {"enumval: ENUM64 candidate", kE, kEnumvalValue, "0", Enum64("e", {"X", "Y", "B"}), 1, {2}, {{"e", 2, "B"}}},
      {"enumval: no such enumerator", kE, kEnumvalExists, "0", Enum("e", {"A", "BB", "C"}), 0},
      {"enumval: the candidate is not an enum", kE, kEnumvalExists, "0", Struct("e", {{"B", Int()}}), 0},
      {"enumval: dangling candidate", kE, kEnumvalExists, "0", Dangling(), -EINVAL},
      {"field found at another position", kSab, kFieldByteOffset, "0:1",
       Struct("s", {{"x", kLong}, {"y", Int()}, {"b", Int()}}), 1, {0, 2}, {kRootS, {"s", 2, "b"}}, 96},
      {"field missing", kSab, kFieldExists, "0:1", kSa, 0},
      {"same-named field of an incompatible type", kSab, kFieldExists, "0:1", Struct("s", {{"b", Struct("in")}}), 0},
      {"field names are not flavor-stripped", Struct("s", {{"b___old", Int()}}), kFieldExists, "0:0",
       Struct("s", {{"b", Int()}}), 0},
      {"named accessor on a non-composite candidate", kSab, kFieldExists, "0:0", Int(), 0},
      // local struct s { int pid; struct { int a; }; } vs
      // target struct s { int pid; struct { long pad; union { int x; int a; }; }; }: a at bit 64 + 64 + 0.
      {"field through anonymous members nested otherwise",
       Struct("s", {{"pid", Int()}, {nullptr, Struct(nullptr, {{"a", Int()}})}}), kFieldByteOffset, "0:1:0",
       Struct("s", {{"pid", Int()}, {nullptr, Struct(nullptr, {{"pad", kLong}, {nullptr,
         Label("anon_union", Union(nullptr, {{"x", Int()}, {"a", Int()}}))}})}}),
       1, {0, 1, 1, 1}, {kRootS, {"anon_union", 1, "a"}}, 128},
      {"an anonymous member without the name: the search goes on", kSa, kFieldByteOffset, "0:0",
       Struct("s", {{nullptr, Struct(nullptr, {{"x", Int()}})}, {"a", Int()}}), 1, {0, 1}, {kRootS, {"s", 1, "a"}}, 32},
      {"anonymous non-composite members are skipped", kSa, kFieldByteOffset, "0:0",
       Struct("s", {{nullptr, Int(), 4}, {"a", Int()}}), 1, {0, 1}, {kRootS, {"s", 1, "a"}}, 32},
      // target struct s { struct { int pad; struct in a; }; int a; }: the inner, incompatible `a` (bit 32)
      // ends the nested search but, as in libbpf, leaves its raw entry and bit offset behind (§8.3).
      {"an incompatible same-named member inside an anonymous one", kSa, kFieldByteOffset, "0:0",
       Struct("s", {{nullptr, Struct(nullptr, {{"pad", Int()}, {"a", Struct("in", {{"z", Int()}})}})}, {"a", Int()}}),
       1, {0, 0, 1}, {kRootS, {"s", 1, "a"}}, 32 + 64},
      {"array index within the target's bounds", kSarr4, kFieldByteOffset, "0:0:2",
       Struct("s", {{"pad", kLong}, {"arr", Array(Int(), 8)}}), 1, {0, 1, 2},
       {kRootS, {"s", 1, "arr"}, {"int", 2, nullptr}}, 64 + 2 * 32},
      {"array index out of the target's bounds", kSarr4, kFieldExists, "0:0:2",
       Struct("s", {{"arr", Array(Int(), 2)}}), 0},
      {"flexible target array", kSarr4, kFieldByteOffset, "0:0:3",
       Struct("s", {{"n", Int()}, {"arr", Array(Int(), 0)}}), 1, {0, 1, 3},
       {kRootS, {"s", 1, "arr"}, {"int", 3, nullptr}}, 32 + 3 * 32},
      {"an empty array that is not the last member is not flexible", kSarr4, kFieldExists, "0:0:3",
       Struct("s", {{"arr", Array(Int(), 0)}, {"n", Int()}}), 0},
      {"the root index scales with the candidate's size", kSab, kFieldByteOffset, "1",
       Struct("s", {{"a", kLong}, {"b", kLong}, {"c", kLong}}), 1, {1}, {{"s", 1, nullptr}}, 192},
      {"access 0 matches any candidate whose size resolves", kSab, kFieldExists, "0", Int(), 1,
       {0}, {{"int", 0, nullptr}}},
      {"typedef candidate: root unstripped, accessors stripped", kSab, kFieldByteOffset, "0:1", Typedef("t", kSab), 1,
       {0, 1}, {kRootS, {"s", 1, "b"}}, 32},
      {"a candidate whose size does not resolve is fatal", kSab, kFieldExists, "0", Typedef("t", Fwd("s")), -EINVAL},
      {"field: dangling candidate", kSab, kFieldExists, "0:0", Dangling(), -EINVAL},
      {"62 anonymous levels fill the 64 raw entries", kSa, kFieldByteOffset, "0:0", Label("s", AnonNest(62)), 1,
       std::vector<int32_t>(64, 0), {kRootS, {"innermost", 0, "a"}}},
      {"63 anonymous levels overflow them", kSa, kFieldByteOffset, "0:0", AnonNest(63), -E2BIG},
  };
  for (const CandidateRow& row : rows) {
    SCOPED_TRACE(row.name);
    Btf local, target;
    Spec local_spec;
    ASSERT_EQ(parse_local_spec(local.get(), row.local(local), row.kind, row.access, local_spec), 0);
    const Id cand_id = row.target(target);
    Spec cand;
    EXPECT_EQ(match_candidate(local_spec, target.get(), cand_id, cand), row.want);
    EXPECT_EQ(cand.btf, target.get());
    EXPECT_EQ(cand.root_type_id, cand_id);
    EXPECT_EQ(cand.kind, row.kind);
    if (row.want != 1) continue;
    EXPECT_EQ(std::vector<int32_t>(cand.raw.begin(), cand.raw.begin() + cand.raw_len), row.raw);
    EXPECT_EQ(cand.bit_offset, row.bit_offset);
    ASSERT_EQ(cand.len, static_cast<int>(row.acc.size()));
    for (int i = 0; i < cand.len; i++) {
      EXPECT_EQ(cand.acc[i].type_id, target.id(row.acc[i].type)) << "accessor " << i;
      EXPECT_EQ(cand.acc[i].idx, row.acc[i].idx) << "accessor " << i;
      EXPECT_STREQ(cand.acc[i].name, row.acc[i].name) << "accessor " << i;  // both null for an index
    }
  }
}
// clang-format on

TEST(CoreMatchCandidate, UnknownKindIsAnError) {
  Btf local, target;
  Spec local_spec;
  local_spec.btf = local.get();
  local_spec.root_type_id = kSab(local);
  local_spec.kind = kReloKindCount;  // in no family: parse_local_spec never produces it
  Spec cand;
  EXPECT_EQ(match_candidate(local_spec, target.get(), kSab(target), cand), -EINVAL);
}

// Spec §8.3: libbpf reads the candidate's size into an int, so a size of 2^32 - 22 bytes truncates
// to -22 and the match fails fatally with -EINVAL (this test found btfgen keeping 64 bits).
TEST(CoreMatchCandidate, CandidateSizeIsTruncatedToInt) {
  Btf local, target;
  Spec local_spec;
  ASSERT_EQ(parse_local_spec(local.get(), kSa(local), kFieldByteOffset, "0", local_spec), 0);
  const Id huge = target.add("s", btf__add_struct(target.get(), "s", 0xffffffeau));  // (int)0xffffffea == -22
  ASSERT_EQ(btf__resolve_size(target.get(), huge), 0xffffffeall);
  Spec cand;
  EXPECT_EQ(match_candidate(local_spec, target.get(), huge, cand), -EINVAL);
}

}  // namespace
}  // namespace btfgen
