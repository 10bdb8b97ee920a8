// The marker (phase 1 of minimization, spec §10): exactly which target type ids and which
// (composite id, member index) pairs each relocation family marks, and the failures bpftool cannot
// survive (an unsupported kind reached, a dangling id, a member index out of range, a by-value cycle
// reached by TYPE_MATCHES marking, which makes bpftool recurse until it crashes).
//
// Marking decides what the minimized BTF keeps, so every row asserts the complete mark set: a
// missing mark loses a type the program needs, an extra one bloats the output and breaks
// byte-identity with bpftool. The end-to-end test at the bottom runs the cycle through minimize().
#include "minimize/marker.h"

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "btf_writer.h"
#include "btfgen/common/btf_handle.h"
#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"
#include "btfgen/relo/relo_kind.h"
#include "common/result.h"
#include "relo/core_spec.h"

namespace btfgen {
namespace {

using test::Id;

const std::string kData = BTFGEN_TEST_DATA_DIR;

// The target "kernel" every table runs against, one id per line of make_kernel().
enum : uint32_t {
  kInt = 1,
  kLong,
  kChar,
  kArraySizeType,
  kListHead,
  kListPtr,
  kMm,
  kMmPtr,
  kState,
  kConstChar,
  kComm,
  kFnProto,
  kFnPtr,
  kAnon,
  kItem,
  kItems,
  kCfg,
  kCfgT,
  kFile,
  kFilePtr,
  kTask,
  kTaskT,
  kStateT,
  kFlags64,
  kCbProto,
  kCbPtr,
  kCbT,
  kUserTag,
  kUserPtr,
  kUptrT,
  kNode,
  kVisitPtr,
  kVisitProto,
  kHolder,
  kArrHolder,
  kMmArray,
  kMmArrayPtr,
  kCfgHolder,
  kCfgTPtr,
  kDanglingPtr,
  kBroken,
  kTagged,
  kTypeCount
};
// Member indices of task_struct (and of the two-member composites: first = 0, second = 1).
namespace task {
enum : int32_t { pid, mm, tasks, comm, st, fn, anon, items, cfg, file, count };
}

constexpr auto at = test::expect_at;
void member(struct btf* b, const char* name, uint32_t type, uint32_t bit_off) {
  test::add_member(b, name, type, bit_off);
}

BtfPtr make_kernel() {
  BtfPtr owner(btf__new_empty());
  struct btf* b = owner.get();
  at(btf__add_int(b, "int", 4, BTF_INT_SIGNED), kInt);
  at(btf__add_int(b, "long", 8, BTF_INT_SIGNED), kLong);
  at(btf__add_int(b, "char", 1, BTF_INT_SIGNED), kChar);
  at(btf__add_int(b, "__ARRAY_SIZE_TYPE__", 4, 0), kArraySizeType);
  at(btf__add_struct(b, "list_head", 16), kListHead);  // { list_head *next, *prev; }
  member(b, "next", kListPtr, 0);
  member(b, "prev", kListPtr, 64);
  at(btf__add_ptr(b, kListHead), kListPtr);
  at(btf__add_struct(b, "mm_struct", 8), kMm);  // { long pgd; }
  member(b, "pgd", kLong, 0);
  at(btf__add_ptr(b, kMm), kMmPtr);
  at(btf__add_enum(b, "state_e", 4), kState);
  EXPECT_EQ(btf__add_enum_value(b, "RUNNING", 0), 0);
  EXPECT_EQ(btf__add_enum_value(b, "STOPPED", 1), 0);
  at(btf__add_const(b, kChar), kConstChar);
  at(btf__add_array(b, kArraySizeType, kConstChar, 16), kComm);  // const char[16]
  at(btf__add_func_proto(b, kInt), kFnProto);                    // int (long arg)
  EXPECT_EQ(btf__add_func_param(b, "arg", kLong), 0);
  at(btf__add_ptr(b, kFnProto), kFnPtr);
  at(btf__add_union(b, nullptr, 8), kAnon);  // union { int a; long b; }
  member(b, "a", kInt, 0);
  member(b, "b", kLong, 0);
  at(btf__add_struct(b, "item", 16), kItem);  // { int key; long val; }
  member(b, "key", kInt, 0);
  member(b, "val", kLong, 64);
  at(btf__add_array(b, kArraySizeType, kItem, 4), kItems);
  at(btf__add_struct(b, "cfg", 4), kCfg);  // { int x; }
  member(b, "x", kInt, 0);
  at(btf__add_typedef(b, "cfg_t", kCfg), kCfgT);
  at(btf__add_fwd(b, "file", BTF_FWD_STRUCT), kFile);
  at(btf__add_ptr(b, kFile), kFilePtr);
  at(btf__add_struct(b, "task_struct", 152), kTask);  // members in task:: order
  member(b, "pid", kInt, 0);
  member(b, "mm", kMmPtr, 64);
  member(b, "tasks", kListHead, 128);
  member(b, "comm", kComm, 256);
  member(b, "st", kState, 384);
  member(b, "fn", kFnPtr, 448);
  member(b, nullptr, kAnon, 512);
  member(b, "items", kItems, 576);
  member(b, "cfg", kCfgT, 1088);
  member(b, "file", kFilePtr, 1152);
  at(btf__add_typedef(b, "task_t", kTask), kTaskT);
  at(btf__add_typedef(b, "state_t", kState), kStateT);
  at(btf__add_enum64(b, "flags64", 8, false), kFlags64);
  EXPECT_EQ(btf__add_enum64_value(b, "BIG", uint64_t{1} << 40), 0);
  at(btf__add_func_proto(b, 0), kCbProto);  // typedef void (*cb_t)(struct file *f)
  EXPECT_EQ(btf__add_func_param(b, "f", kFilePtr), 0);
  at(btf__add_ptr(b, kCbProto), kCbPtr);
  at(btf__add_typedef(b, "cb_t", kCbPtr), kCbT);
  at(btf__add_type_tag(b, "user", kChar), kUserTag);  // typedef char __user *uptr_t
  at(btf__add_ptr(b, kUserTag), kUserPtr);
  at(btf__add_typedef(b, "uptr_t", kUserPtr), kUptrT);
  at(btf__add_struct(b, "node", 8), kNode);  // { void (*visit)(struct node n); }: by-value cycle
  member(b, "visit", kVisitPtr, 0);
  at(btf__add_ptr(b, kVisitProto), kVisitPtr);
  at(btf__add_func_proto(b, 0), kVisitProto);
  EXPECT_EQ(btf__add_func_param(b, "n", kNode), 0);
  at(btf__add_struct(b, "holder", 24), kHolder);  // { list_head *first; list_head second; }
  member(b, "first", kListPtr, 0);
  member(b, "second", kListHead, 64);
  at(btf__add_struct(b, "arr_holder", 8), kArrHolder);  // { struct mm_struct (*pa)[2]; }
  member(b, "pa", kMmArrayPtr, 0);
  at(btf__add_array(b, kArraySizeType, kMm, 2), kMmArray);
  at(btf__add_ptr(b, kMmArray), kMmArrayPtr);
  at(btf__add_struct(b, "cfg_holder", 8), kCfgHolder);  // { cfg_t *c; }
  member(b, "c", kCfgTPtr, 0);
  at(btf__add_ptr(b, kCfgT), kCfgTPtr);
  at(btf__add_ptr(b, 999), kDanglingPtr);  // libbpf's writer does not check references
  at(btf__add_struct(b, "broken", 4), kBroken);
  member(b, "x", 999, 0);
  at(btf__add_struct(b, "tagged", 8), kTagged);  // { uptr_t p; }
  member(b, "p", kUptrT, 0);
  EXPECT_EQ(btf__type_cnt(b), kTypeCount);
  return owner;
}

using Ids = std::set<uint32_t>;
using Members = std::set<std::pair<uint32_t, uint32_t>>;

std::string marks(const Ids& ids, const Members& members) {
  std::string out = "types {";
  for (uint32_t id : ids) out += " " + std::to_string(id);
  out += " } members {";
  for (const auto& [id, idx] : members) out += " " + std::to_string(id) + "." + std::to_string(idx);
  return out + " }";
}

// Every mark the marker holds (ids past the end and indices past any vlen included), as text.
std::string marks_of(const Marker& m) {
  Ids ids;
  Members members;
  for (uint32_t id = 0; id < kTypeCount + 4; id++) {
    if (m.type_marked(id)) ids.insert(id);
    for (uint32_t idx = 0; idx < 16; idx++)
      if (m.member_marked(id, idx)) members.insert({id, idx});
  }
  return marks(ids, members);
}

Spec field(Id root, std::initializer_list<int32_t> raw, uint32_t kind = kFieldByteOffset) {
  return test::field_spec(root, raw, kind);
}
Spec type(uint32_t kind, Id root) { return test::type_spec(kind, root); }

struct Row {
  const char* what;
  Spec spec;
  Ids types;
  Members members;
};

struct FailRow {
  const char* what;
  Spec spec;
  int code;
  std::string message;
};

class MarkerTest : public ::testing::Test {
 protected:
  void run(const std::vector<Row>& rows) {
    for (const Row& r : rows) {
      SCOPED_TRACE(r.what);
      Marker m(kernel_.get());
      const Status s = m.record(r.spec);
      ASSERT_TRUE(s.ok()) << s.failure().message;
      EXPECT_EQ(marks_of(m), marks(r.types, r.members));
    }
  }
  void run(const std::vector<FailRow>& rows) {
    for (const FailRow& r : rows) {
      SCOPED_TRACE(r.what);
      Marker m(kernel_.get());
      const Status s = m.record(r.spec);
      ASSERT_FALSE(s.ok());
      EXPECT_EQ(s.failure().code, r.code);
      EXPECT_EQ(s.failure().message, r.message);
    }
  }
  BtfPtr kernel_ = make_kernel();
};

TEST_F(MarkerTest, FieldKindsMarkThePathWithoutFollowingPointers) {
  run(std::vector<Row>{
      {"root only (access \"0\")", field(kTask, {0}), {kTask}, {}},
      {"int member", field(kTask, {0, task::pid}), {kTask, kInt}, {{kTask, task::pid}}},
      {"raw[0] is not used", field(kTask, {3, task::pid}), {kTask, kInt}, {{kTask, task::pid}}},
      {"pointer member: the PTR, not mm_struct", field(kTask, {0, task::mm}), {kTask, kMmPtr}, {{kTask, task::mm}}},
      {"pointer to a FWD: not reached", field(kTask, {0, task::file}), {kTask, kFilePtr}, {{kTask, task::file}}},
      {"function pointer: not the prototype", field(kTask, {0, task::fn}), {kTask, kFnPtr}, {{kTask, task::fn}}},
      {"embedded struct: marked, its members not",
       field(kTask, {0, task::tasks}),
       {kTask, kListHead},
       {{kTask, task::tasks}}},
      {"into the embedded struct",
       field(kTask, {0, task::tasks, 0}),
       {kTask, kListHead, kListPtr},
       {{kTask, task::tasks}, {kListHead, 0}}},
      {"array member: element chain and index type",
       field(kTask, {0, task::comm}),
       {kTask, kComm, kConstChar, kChar, kArraySizeType},
       {{kTask, task::comm}}},
      {"enum member", field(kTask, {0, task::st}), {kTask, kState}, {{kTask, task::st}}},
      {"anonymous intermediate union",
       field(kTask, {0, task::anon, 1}),
       {kTask, kAnon, kLong},
       {{kTask, task::anon}, {kAnon, 1}}},
      {"array passed through to its element",
       field(kTask, {0, task::items, 2, 1}),
       {kTask, kItems, kItem, kArraySizeType, kLong},
       {{kTask, task::items}, {kItem, 1}}},
      {"typedef'd member, skipped without further marks",
       field(kTask, {0, task::cfg, 0}),
       {kTask, kCfgT, kCfg, kInt},
       {{kTask, task::cfg}, {kCfg, 0}}},
      {"typedef root", field(kTaskT, {0, task::pid}), {kTaskT, kTask, kInt}, {{kTask, task::pid}}},
      {"array root", field(kItems, {0, 1, 0}), {kItems, kItem, kArraySizeType, kInt}, {{kItem, 0}}},
  });
}

TEST_F(MarkerTest, EveryFieldKindMarksTheSame) {
  for (uint32_t kind = kFieldByteOffset; kind <= kFieldRshiftU64; kind++) {
    SCOPED_TRACE(relo_kind_name(kind));
    Marker m(kernel_.get());
    ASSERT_TRUE(m.record(field(kTask, {0, task::anon, 0}, kind)).ok());
    EXPECT_EQ(marks_of(m), marks({kTask, kAnon, kInt}, {{kTask, task::anon}, {kAnon, 0}}));
  }
}

TEST_F(MarkerTest, TypeKindsMarkTheRootAndWhatItRefersToThroughPointers) {
  run(std::vector<Row>{
      {"struct root: no members", type(kTypeExists, kTask), {kTask}, {}},
      {"typedef root", type(kTypeSize, kTaskT), {kTaskT, kTask}, {}},
      {"pointer followed", type(kTypeIdTarget, kMmPtr), {kMmPtr, kMm}, {}},
      {"typedef to pointer to typedef", type(kTypeSize, kCfgTPtr), {kCfgTPtr, kCfgT, kCfg}, {}},
      {"function pointer: return and params", type(kTypeExists, kFnPtr), {kFnPtr, kFnProto, kInt, kLong}, {}},
      {"array: element and index", type(kTypeIdTarget, kItems), {kItems, kItem, kArraySizeType}, {}},
      {"self-referencing list", type(kTypeExists, kListPtr), {kListPtr, kListHead}, {}},
  });
}

TEST_F(MarkerTest, TheThreeTypeKindsMarkTheSame) {
  for (uint32_t kind : {kTypeIdTarget, kTypeExists, kTypeSize}) {
    SCOPED_TRACE(relo_kind_name(kind));
    Marker m(kernel_.get());
    ASSERT_TRUE(m.record(type(kind, kFnPtr)).ok());
    EXPECT_EQ(marks_of(m), marks({kFnPtr, kFnProto, kInt, kLong}, {}));
  }
}

TEST_F(MarkerTest, EnumvalKindsMarkTheEnum) {
  run(std::vector<Row>{
      {"enum", type(kEnumvalExists, kState), {kState}, {}},
      {"typedef of an enum", type(kEnumvalValue, kStateT), {kStateT, kState}, {}},
      {"enum64", type(kEnumvalValue, kFlags64), {kFlags64}, {}},
  });
}

TEST_F(MarkerTest, TypeMatchesMarksTheByValueGraphWithEveryMember) {
  Members all_task;
  for (int32_t i = 0; i < task::count; i++) all_task.insert({kTask, i});
  Members whole = all_task;
  whole.insert({{kListHead, 0}, {kListHead, 1}, {kAnon, 0}, {kAnon, 1}, {kItem, 0}, {kItem, 1}, {kCfg, 0}});
  run(std::vector<Row>{
      {"task_struct: everything by value; mm_struct behind its pointer, without members",
       type(kTypeMatches, kTask),
       {kInt,     kLong,  kChar, kArraySizeType, kListHead, kListPtr, kMm,   kMmPtr, kState,   kConstChar, kComm,
        kFnProto, kFnPtr, kAnon, kItem,          kItems,    kCfg,     kCfgT, kFile,  kFilePtr, kTask},
       whole},
      {"behind a pointer first, then by value",
       type(kTypeMatches, kHolder),
       {kHolder, kListPtr, kListHead},
       {{kHolder, 0}, {kHolder, 1}, {kListHead, 0}, {kListHead, 1}}},
      {"typedef behind a pointer: struct without members",
       type(kTypeMatches, kCfgHolder),
       {kCfgHolder, kCfgTPtr, kCfgT, kCfg},
       {{kCfgHolder, 0}}},
      {"an array behind a pointer resets to by-value",
       type(kTypeMatches, kArrHolder),
       {kArrHolder, kMmArrayPtr, kMmArray, kMm, kLong, kArraySizeType},
       {{kArrHolder, 0}, {kMm, 0}}},
      {"a FWD is allowed", type(kTypeMatches, kFilePtr), {kFilePtr, kFile}, {}},
      {"a pointer root: the pointee without members", type(kTypeMatches, kMmPtr), {kMmPtr, kMm}, {}},
  });
}

TEST_F(MarkerTest, FieldFailures) {
  run(std::vector<FailRow>{
      {"member index past vlen", field(kTask, {0, task::count}), EINVAL, "member index 10 out of range in [21]"},
      {"negative member index", field(kTask, {0, -1}), EINVAL, "member index -1 out of range in [21]"},
      {"index into an int: bpftool prints the size field", field(kTask, {0, task::pid, 0}), EINVAL,
       "unsupported kind: int (4)"},
      {"index through a pointer: bpftool prints the pointee id", field(kTask, {0, task::mm, 0}), EINVAL,
       "unsupported kind: ptr (7)"},
      {"FWD root", field(kFile, {0}), EINVAL, "unsupported kind: fwd (19)"},
      {"dangling root", field(kTypeCount, {0}), EINVAL, "dangling type id 43 in target BTF"},
      {"dangling member type", field(kBroken, {0, 0}), EINVAL, "dangling type id 999 in target BTF"},
  });
}

TEST_F(MarkerTest, TypeFailures) {
  run(std::vector<FailRow>{
      {"FWD behind a function pointer's parameter", type(kTypeExists, kCbT), EINVAL, "unsupported kind: fwd (19)"},
      {"type tag behind a pointer", type(kTypeSize, kUptrT), EINVAL, "unsupported kind: type_tag (28)"},
      {"FWD root", type(kTypeIdTarget, kFile), EINVAL, "unsupported kind: fwd (19)"},
      {"dangling pointee", type(kTypeExists, kDanglingPtr), EINVAL, "dangling type id 999 in target BTF"},
      {"dangling root", type(kTypeExists, kTypeCount), EINVAL, "dangling type id 43 in target BTF"},
      {"enumval on a dangling root", type(kEnumvalExists, 1000), EINVAL, "dangling type id 1000 in target BTF"},
      {"matches: type tag", type(kTypeMatches, kTagged), EINVAL, "unsupported kind: type_tag (28)"},
      {"matches: by-value cycle through a prototype", type(kTypeMatches, kNode), ELOOP,
       "type_matches marking recurses forever through [31] (bpftool crashes here)"},
      {"matches: dangling member type", type(kTypeMatches, kBroken), EINVAL, "dangling type id 999 in target BTF"},
  });
}

TEST_F(MarkerTest, TheZeroedSpecMarksNothing) {
  Marker m(kernel_.get());
  ASSERT_TRUE(m.record(Spec{}).ok());
  EXPECT_EQ(marks_of(m), marks({}, {}));
}

TEST_F(MarkerTest, RecordsAccumulate) {
  Marker m(kernel_.get());
  ASSERT_TRUE(m.record(field(kTask, {0, task::mm})).ok());
  ASSERT_TRUE(m.record(field(kMm, {0, 0})).ok());
  ASSERT_TRUE(m.record(type(kEnumvalValue, kState)).ok());
  EXPECT_EQ(marks_of(m), marks({kLong, kMm, kMmPtr, kState, kTask}, {{kTask, task::mm}, {kMm, 0}}));
}

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
