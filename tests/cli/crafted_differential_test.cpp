// Differential tests on crafted inputs: every case runs `bpftool gen min_core_btf` (the oracle) and
// `btfgen min` on the same target and objects from tests/bpf, and requires either identical output
// bytes or failure of both (with no output file left by btfgen). The table also pins bpftool's own
// outcome (success, or failure with its exit status) and, for many successes, what the output
// holds, so a change of test data or of the reference tool cannot turn a case into a no-op.
#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "btfgen/common/btf_handle.h"
#include "test_support.h"

namespace {

using btfgen::test::CommandResult;
using btfgen::test::file_exists;
using btfgen::test::read_file_bytes;
using btfgen::test::run_command;
using btfgen::test::TempDir;

const std::string kDataDir = BTFGEN_TEST_DATA_DIR;

// bpftool's output when nothing is marked: header + a single NUL string (core-semantics §11.5).
const std::vector<uint8_t> kEmptyBtf = {0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};

// bpftool exit statuses.
const int kExitEinval = btfgen::test::bpftool_status(EINVAL);
const int kExitEnoent = btfgen::test::bpftool_status(ENOENT);
const int kExitEopnotsupp = btfgen::test::bpftool_status(EOPNOTSUPP);
const int kExitE2big = btfgen::test::bpftool_status(E2BIG);

btfgen::BtfPtr parse_btf(const std::string& path) {
  return btfgen::BtfPtr(btf__parse(path.c_str(), nullptr));  // libbpf 1.x: NULL + errno on error
}

// Member names of the composite NAME (STRUCT or UNION per KIND), or nullopt when there is none.
std::optional<std::vector<std::string>> members(const struct btf* b, const char* name, int kind = BTF_KIND_STRUCT) {
  int id = btf__find_by_name_kind(b, name, kind);
  if (id <= 0) return std::nullopt;
  const struct btf_type* t = btf__type_by_id(b, id);
  std::vector<std::string> names;
  const struct btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i) names.emplace_back(btf__name_by_offset(b, m[i].name_off));
  return names;
}

using Names = std::vector<std::string>;

const struct btf_type* named_type(const struct btf* b, const char* name, int kind) {
  int id = btf__find_by_name_kind(b, name, kind);
  return id > 0 ? btf__type_by_id(b, id) : nullptr;
}

// The pointee of member MEMBER of struct NAME (following one PTR), as a type record or void.
const struct btf_type* pointee_of_member(const struct btf* b, const char* name, const char* member) {
  const struct btf_type* t = named_type(b, name, BTF_KIND_STRUCT);
  if (!t) return nullptr;
  const struct btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); ++i) {
    if (std::string(btf__name_by_offset(b, m[i].name_off)) != member) continue;
    const struct btf_type* p = btf__type_by_id(b, m[i].type);
    if (!p || !btf_is_ptr(p)) return nullptr;
    return btf__type_by_id(b, p->type);  // id 0 gives libbpf's static void record
  }
  return nullptr;
}

enum class Expect { kSuccess, kFailure };

struct Case {
  const char* name;
  const char* target;                // under BTFGEN_TEST_DATA_DIR
  std::vector<const char*> objects;  // under BTFGEN_TEST_DATA_DIR ("missing.bpf.o" does not exist)
  Expect expect;
  int bpftool_exit = 0;  // pinned exit status of bpftool for failures
  // For successes: checks on bpftool's output (the btfgen output is byte-identical to it).
  std::function<void(const struct btf*, const std::vector<uint8_t>&)> check = nullptr;
  // For successes: another case whose output must be byte-identical to this one's.
  const char* same_as = nullptr;
};

void expect_empty(const struct btf*, const std::vector<uint8_t>& bytes) { EXPECT_EQ(bytes, kEmptyBtf); }

void check_fields_base(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "task"), (Names{"pid", "tgid", "arr", "", "mm", "state", "comm", "tasks"}));
  EXPECT_EQ(members(b, "inner"), (Names{"x", "y"}));  // arr[2].y, and in[3].x through the root index
  EXPECT_EQ(members(b, "mm_struct"), (Names{"start"}));
  EXPECT_EQ(members(b, "list_head"), Names{});  // field_size(tasks): the struct, empty, size kept
  const struct btf_type* lh = named_type(b, "list_head", BTF_KIND_STRUCT);
  ASSERT_NE(lh, nullptr);
  EXPECT_EQ(lh->size, 16u);
  const struct btf_type* state = named_type(b, "task_state", BTF_KIND_ENUM);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(btf_vlen(state), 3);  // an enum member's type is copied whole
  EXPECT_GT(btf__find_by_name_kind(b, "task_alias_t", BTF_KIND_TYPEDEF), 0);
  EXPECT_GT(btf__find_by_name_kind(b, "task_t", BTF_KIND_TYPEDEF), 0);
  EXPECT_GT(btf__find_by_name_kind(b, "__ARRAY_SIZE_TYPE__", BTF_KIND_INT), 0);
  EXPECT_LT(btf__find_by_name_kind(b, "missing_field", BTF_KIND_STRUCT), 0);
}

void check_fields_moved(const struct btf* b, const std::vector<uint8_t>&) {
  // tgid renamed, arr[2] out of range, mm->start renamed: those relocations mark nothing.
  EXPECT_EQ(members(b, "task"), (Names{"pid", "anon_b", "comm", "mm", "state", "tasks"}));
  EXPECT_EQ(members(b, "inner"), (Names{"x"}));
  EXPECT_EQ(members(b, "mm_struct"), std::nullopt);
  const struct btf_type* pointee = pointee_of_member(b, "task", "mm");
  ASSERT_NE(pointee, nullptr);
  EXPECT_EQ(btf_kind(pointee), BTF_KIND_UNKN);  // the PTR now points to void
  EXPECT_GT(btf__find_by_name_kind(b, "task_state", BTF_KIND_ENUM64), 0);
}

void check_bitfields_base(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "task"), (Names{"flags_lo", "prio", "big_bits"}));
  const struct btf_type* t = named_type(b, "task", BTF_KIND_STRUCT);
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(btf_kflag(t));
  EXPECT_EQ(btf_member_bitfield_size(t, 0), 3u);
  EXPECT_EQ(btf_member_bit_offset(t, 1), 67u);
  EXPECT_EQ(btf_member_bitfield_size(t, 2), 40u);
}

void check_types_base(const struct btf* b, const std::vector<uint8_t>&) {
  // Type-based kinds mark the root and its typedef/pointer chain, never members.
  EXPECT_EQ(members(b, "task"), Names{});
  EXPECT_EQ(members(b, "inner"), Names{});
  EXPECT_EQ(members(b, "mm_struct"), Names{});  // reached through the pointer typedef mm_ptr_t
  EXPECT_GT(btf__find_by_name_kind(b, "mm_ptr_t", BTF_KIND_TYPEDEF), 0);
  EXPECT_GT(btf__find_by_name_kind(b, "task_t", BTF_KIND_TYPEDEF), 0);
  EXPECT_LT(btf__find_by_name_kind(b, "sample_t", BTF_KIND_TYPEDEF), 0);  // FLOAT never matches
  EXPECT_LT(btf__find_by_name_kind(b, "not_in_any_target", BTF_KIND_STRUCT), 0);
  EXPECT_EQ(btf__type_cnt(b), 7u);
}

void check_enums_base(const struct btf* b, const std::vector<uint8_t>&) {
  const struct btf_type* state = named_type(b, "task_state", BTF_KIND_ENUM);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(btf_vlen(state), 3);
  const struct btf_type* flags = named_type(b, "big_flags", BTF_KIND_ENUM64);
  ASSERT_NE(flags, nullptr);
  EXPECT_EQ(btf_vlen(flags), 3);
  EXPECT_GT(btf__find_by_name_kind(b, "m_color", BTF_KIND_ENUM), 0);
  EXPECT_GT(btf__find_by_name_kind(b, "state_t", BTF_KIND_TYPEDEF), 0);
}

void check_matches_base(const struct btf* b, const std::vector<uint8_t>&) {
  // All target members, including one the local type lacks; the pointee is emitted empty.
  EXPECT_EQ(members(b, "m_bar"), (Names{"f", "z", "extra"}));
  EXPECT_EQ(members(b, "m_foo"), Names{});
  const struct btf_type* foo = named_type(b, "m_foo", BTF_KIND_STRUCT);
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->size, 8u);
  EXPECT_EQ(members(b, "m_baz"), std::nullopt);  // `unsigned int` vs `int`: no match
  const struct btf_type* color = named_type(b, "m_color", BTF_KIND_ENUM);
  ASSERT_NE(color, nullptr);
  EXPECT_EQ(btf_vlen(color), 3);
}

void check_nested_anon_base(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "nest"), (Names{""}));  // only the anonymous path, not `head`
  EXPECT_EQ(btf__type_cnt(b), 6u);             // void, int, nest, union, struct, struct
}

void check_arrays_base(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "grid"), (Names{"cells", "pts"}));
  EXPECT_EQ(members(b, "inner"), (Names{"y"}));  // pts[5].x is out of range in the target
  EXPECT_EQ(members(b, "task"), (Names{"flex"}));
}

void check_narrow(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "foo"), (Names{"a"}));
  EXPECT_EQ(members(b, "foo___2"), (Names{"a", "c"}));
}

void check_narrow_rev(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "foo"), std::nullopt);
  EXPECT_EQ(members(b, "foo___2"), (Names{"a", "c"}));
}

void check_narrow_split(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "foo"), (Names{"a", "b"}));
  EXPECT_EQ(members(b, "foo___2"), (Names{"c"}));
}

void check_narrow_part2(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "foo"), (Names{"a", "b"}));
  EXPECT_EQ(members(b, "foo___2"), std::nullopt);
}

void check_type_size_eq(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "eq"), Names{});
  EXPECT_EQ(btf__type_cnt(b), 2u);  // only the first candidate
}

void check_tagged_field(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "tagged_holder"), (Names{"uptr"}));
  const struct btf_type* pointee = pointee_of_member(b, "tagged_holder", "uptr");
  ASSERT_NE(pointee, nullptr);
  EXPECT_EQ(btf_kind(pointee), BTF_KIND_UNKN);
}

void check_flavors_base(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "task"), (Names{"pid", "tgid", "utime"}));
}

void check_merged(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "task"),
            (Names{"pid", "tgid", "flags_lo", "prio", "arr", "", "mm", "state", "comm", "tasks", "big_bits"}));
}

void check_names(const struct btf* b, const std::vector<uint8_t>&) {
  EXPECT_EQ(members(b, "quad____x"), std::nullopt);  // `quad` is not its essential name
  EXPECT_EQ(members(b, "trail___"), (Names{"t"}));   // only the exact local `trail___` matches
  EXPECT_EQ(members(b, "multi___b"), std::nullopt);  // essential `multi` != `multi___b`
  EXPECT_EQ(members(b, "multi___b___z"), (Names{"m"}));
}

// Occurrences of NAME as a whole string (NUL before and after) in the output's string section.
size_t string_count(const std::vector<uint8_t>& bytes, const std::string& name) {
  const uint32_t str_off = 24 + (bytes[16] | bytes[17] << 8 | bytes[18] << 16 | uint32_t(bytes[19]) << 24);
  std::string strings(bytes.begin() + str_off, bytes.end());
  const std::string needle = std::string(1, '\0') + name + std::string(1, '\0');
  size_t count = 0;
  for (size_t pos = strings.find(needle); pos != std::string::npos; pos = strings.find(needle, pos + 1)) ++count;
  return count;
}

void check_strings(const struct btf* b, const std::vector<uint8_t>& bytes) {
  EXPECT_EQ(members(b, "item_list"), (Names{"item", "kind", "count"}));
  EXPECT_EQ(members(b, "item"), (Names{"item", "count", "int_count"}));
  // Exact-match dedup: a type, a member and an enumerator named `item` share one string; `count`
  // and `int` are not carved out of `int_count` / `unsigned int`.
  EXPECT_EQ(string_count(bytes, "item"), 1u);
  EXPECT_EQ(string_count(bytes, "count"), 1u);
  EXPECT_EQ(string_count(bytes, "int"), 1u);
  EXPECT_EQ(string_count(bytes, "int_count"), 1u);
}

// gtest prints a failing parameter with this instead of a byte dump.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      // Every relocation kind, target layouts equal to the local ones.
      {"fields_elf", "targets/base.o", {"fields.bpf.o"}, Expect::kSuccess, 0, check_fields_base},
      {"bitfields_elf", "targets/base.o", {"bitfields.bpf.o"}, Expect::kSuccess, 0, check_bitfields_base},
      {"types_elf", "targets/base.o", {"types.bpf.o"}, Expect::kSuccess, 0, check_types_base},
      {"enums_elf", "targets/base.o", {"enums.bpf.o"}, Expect::kSuccess, 0, check_enums_base},
      {"matches_elf", "targets/base.o", {"matches.bpf.o"}, Expect::kSuccess, 0, check_matches_base},
      {"flavored_root_elf", "targets/base.o", {"flavors.bpf.o"}, Expect::kSuccess, 0, check_flavors_base},
      {"nested_anon_elf", "targets/base.o", {"nested_anon.bpf.o"}, Expect::kSuccess, 0, check_nested_anon_base},
      {"arrays_elf", "targets/base.o", {"arrays.bpf.o"}, Expect::kSuccess, 0, check_arrays_base},
      {"tagged_field_elf", "targets/base.o", {"tagged_field.bpf.o"}, Expect::kSuccess, 0, check_tagged_field},
      {"string_table_dedup", "targets/base.o", {"strings.bpf.o"}, Expect::kSuccess, 0, check_strings},
      {"no_core_relos", "targets/base.o", {"plain.bpf.o"}, Expect::kSuccess, 0, expect_empty},
      {"type_id_local_only", "targets/base.o", {"local_id.bpf.o"}, Expect::kSuccess, 0, expect_empty},

      // Raw-BTF and big-endian inputs give the same bytes as the ELF input.
      {"fields_raw", "targets/base.btf", {"fields.bpf.o"}, Expect::kSuccess, 0, check_fields_base, "fields_elf"},
      {"fields_big_endian_raw", "targets/base_be.btf", {"fields.bpf.o"}, Expect::kSuccess, 0, nullptr, "fields_elf"},
      {"fields_big_endian_elf", "targets/base_be.o", {"fields.bpf.o"}, Expect::kSuccess, 0, nullptr, "fields_elf"},
      {"matches_raw", "targets/base.btf", {"matches.bpf.o"}, Expect::kSuccess, 0, nullptr, "matches_elf"},

      // Changed layouts: moved, renamed, resized, re-nested, ENUM <-> ENUM64.
      {"fields_moved", "targets/moved.o", {"fields.bpf.o"}, Expect::kSuccess, 0, check_fields_moved},
      {"bitfields_moved", "targets/moved.o", {"bitfields.bpf.o"}, Expect::kSuccess},
      {"types_moved", "targets/moved.o", {"types.bpf.o"}, Expect::kSuccess},
      {"enums_moved", "targets/moved.o", {"enums.bpf.o"}, Expect::kSuccess},
      {"matches_moved",
       "targets/moved.btf",
       {"matches.bpf.o"},
       Expect::kSuccess,
       0,
       [](const struct btf* b, const std::vector<uint8_t>&) {
         EXPECT_EQ(members(b, "m_bar"), std::nullopt);  // z is int in this target
         EXPECT_GT(btf__find_by_name_kind(b, "m_color", BTF_KIND_ENUM), 0);
       }},
      {"flavored_root_moved", "targets/moved.o", {"flavors.bpf.o"}, Expect::kSuccess},
      {"nested_anon_moved", "targets/moved.o", {"nested_anon.bpf.o"}, Expect::kSuccess},
      {"arrays_moved", "targets/moved.o", {"arrays.bpf.o"}, Expect::kSuccess},
      {"tagged_field_moved", "targets/moved.o", {"tagged_field.bpf.o"}, Expect::kSuccess},
      {"unsupported_fwd_absent", "targets/moved.o", {"unsupported_fwd.bpf.o"}, Expect::kSuccess, 0, expect_empty},

      // Candidate narrowing (§9.4, §13 experiment 3): order inside one object matters, objects
      // do not share the candidate cache, and the object order on the command line does not matter.
      {"narrowing_sections", "targets/flavors.o", {"narrow.bpf.o"}, Expect::kSuccess, 0, check_narrow},
      {"narrowing_reversed", "targets/flavors.o", {"narrow_rev.bpf.o"}, Expect::kSuccess, 0, check_narrow_rev},
      {"narrowing_second_half", "targets/flavors.o", {"narrow_part2.bpf.o"}, Expect::kSuccess, 0, check_narrow_part2},
      {"narrowing_split_objects",
       "targets/flavors.o",
       {"narrow_part1.bpf.o", "narrow_part2.bpf.o"},
       Expect::kSuccess,
       0,
       check_narrow_split},
      {"narrowing_split_objects_swapped",
       "targets/flavors.btf",
       {"narrow_part2.bpf.o", "narrow_part1.bpf.o"},
       Expect::kSuccess,
       0,
       nullptr,
       "narrowing_split_objects"},
      {"essential_name_edge_cases", "targets/flavors.o", {"names.bpf.o"}, Expect::kSuccess, 0, check_names},
      {"type_size_equal_flavors", "targets/flavors.o", {"type_size_eq.bpf.o"}, Expect::kSuccess, 0, check_type_size_eq},

      // Two objects merged (union of marks), either order; the same object twice.
      {"merged_fields_bitfields",
       "targets/base.o",
       {"fields.bpf.o", "bitfields.bpf.o"},
       Expect::kSuccess,
       0,
       check_merged},
      {"merged_bitfields_fields",
       "targets/base.o",
       {"bitfields.bpf.o", "fields.bpf.o"},
       Expect::kSuccess,
       0,
       nullptr,
       "merged_fields_bitfields"},
      {"same_object_twice",
       "targets/base.o",
       {"fields.bpf.o", "fields.bpf.o"},
       Expect::kSuccess,
       0,
       nullptr,
       "fields_elf"},
      {"all_good_objects",
       "targets/base.o",
       {"fields.bpf.o", "bitfields.bpf.o", "types.bpf.o", "enums.bpf.o", "matches.bpf.o", "flavors.bpf.o",
        "nested_anon.bpf.o", "arrays.bpf.o", "tagged_field.bpf.o", "plain.bpf.o", "local_id.bpf.o"},
       Expect::kSuccess},
      {"all_good_objects_moved",
       "targets/moved.o",
       {"fields.bpf.o", "bitfields.bpf.o", "types.bpf.o", "enums.bpf.o", "matches.bpf.o", "flavors.bpf.o",
        "nested_anon.bpf.o", "arrays.bpf.o", "tagged_field.bpf.o", "plain.bpf.o", "local_id.bpf.o"},
       Expect::kSuccess},
      {"no_candidates_at_all",
       "targets/flavors.o",
       {"enums.bpf.o", "matches.bpf.o"},
       Expect::kSuccess,
       0,
       expect_empty},

      // Ambiguities (§13 experiments 2, 5, 12) are fatal.
      {"field_offset_ambiguity", "targets/flavors.o", {"ambig_offset.bpf.o"}, Expect::kFailure, kExitEinval},
      {"field_exists_offset_ambiguity", "targets/flavors.o", {"ambig_exists.bpf.o"}, Expect::kFailure, kExitEinval},
      {"task_pid_offset_ambiguity", "targets/flavors.o", {"fields.bpf.o"}, Expect::kFailure, kExitEinval},
      {"type_id_target_ambiguity", "targets/flavors.o", {"ambig_typeid.bpf.o"}, Expect::kFailure, kExitEinval},
      {"type_id_target_task_ambiguity", "targets/flavors.o", {"types.bpf.o"}, Expect::kFailure, kExitEinval},
      {"type_size_ambiguity", "targets/flavors.o", {"type_size_diff.bpf.o"}, Expect::kFailure, kExitEinval},
      {"enum_value_ambiguity", "targets/flavors.o", {"enum_ambig.bpf.o"}, Expect::kFailure, kExitEinval},

      // Anonymous local root (§13 experiment 7), unsupported kinds while marking (experiment 8),
      // a bitfield no 8-byte window covers.
      {"anonymous_root", "targets/base.o", {"anon_root.bpf.o"}, Expect::kFailure, kExitEopnotsupp},
      {"anonymous_root_no_candidates", "targets/flavors.o", {"anon_root.bpf.o"}, Expect::kFailure, kExitEopnotsupp},
      {"unsupported_kind_fwd", "targets/base.o", {"unsupported_fwd.bpf.o"}, Expect::kFailure, kExitEinval},
      {"unsupported_kind_type_tag", "targets/base.btf", {"unsupported_tag.bpf.o"}, Expect::kFailure, kExitEinval},
      {"bitfield_window_e2big", "targets/base.o", {"bitfield_window.bpf.o"}, Expect::kFailure, kExitE2big},

      // One bad object among good ones fails the whole run.
      {"good_then_anonymous_root",
       "targets/base.o",
       {"fields.bpf.o", "anon_root.bpf.o"},
       Expect::kFailure,
       kExitEopnotsupp},
      {"good_then_missing_object", "targets/base.o", {"fields.bpf.o", "missing.bpf.o"}, Expect::kFailure, kExitEnoent},

      // Inputs that are not usable objects or targets.
      {"big_endian_object", "targets/base.o", {"fields_be.bpf.o"}, Expect::kFailure, kExitEinval},
      {"object_without_btf_ext", "targets/base.o", {"targets/moved.o"}, Expect::kFailure, kExitEinval},
      {"raw_btf_as_object", "targets/base.o", {"targets/moved.btf"}, Expect::kFailure, kExitEinval},
      {"missing_target", "targets/missing.o", {"fields.bpf.o"}, Expect::kFailure, kExitEnoent},
  };
  return table;
}

const Case* find_case(const std::string& name) {
  for (const auto& c : cases())
    if (name == c.name) return &c;
  return nullptr;
}

std::vector<std::string> command(const std::string& tool, const Case& c, const std::string& out) {
  std::vector<std::string> argv = {tool};
  if (tool.ends_with("bpftool")) {
    argv.insert(argv.end(), {"gen", "min_core_btf"});
  } else {
    argv.push_back("min");
  }
  argv.push_back(kDataDir + "/" + c.target);
  argv.push_back(out);
  for (const char* o : c.objects) argv.push_back(kDataDir + "/" + o);
  return argv;
}

std::string describe(const std::vector<std::string>& argv, const CommandResult& r) {
  std::string s;
  for (const auto& a : argv) s += a + " ";
  return s + "\n  exit " + std::to_string(r.exit_code) + "\n  stdout: " + r.out + "\n  stderr: " + r.err;
}

class CraftedDifferential : public ::testing::TestWithParam<Case> {};

TEST_P(CraftedDifferential, MatchesBpftool) {
  const Case& c = GetParam();
  BTFGEN_REQUIRE_TOOL(bpftool, "bpftool");
  TempDir dir;
  const std::string ref_out = dir.file("bpftool.btf");
  const std::string our_out = dir.file("btfgen.btf");

  const auto ref_argv = command(bpftool, c, ref_out);
  const CommandResult ref = run_command(ref_argv);
  const auto our_argv = command(BTFGEN_BINARY, c, our_out);
  const CommandResult ours = run_command(our_argv);

  // The table pins the reference behaviour first.
  if (c.expect == Expect::kSuccess) {
    ASSERT_EQ(ref.exit_code, 0) << "bpftool was expected to succeed: " << describe(ref_argv, ref);
  } else {
    ASSERT_EQ(ref.exit_code, c.bpftool_exit) << "bpftool's failure changed: " << describe(ref_argv, ref);
    EXPECT_FALSE(file_exists(ref_out)) << "bpftool left an output file on failure";
  }

  if (c.expect == Expect::kFailure) {
    EXPECT_NE(ours.exit_code, 0) << "btfgen succeeded where bpftool fails: " << describe(our_argv, ours);
    EXPECT_FALSE(file_exists(our_out)) << "btfgen left an output file after failing";
    return;
  }

  ASSERT_EQ(ours.exit_code, 0) << "btfgen failed where bpftool succeeds: " << describe(our_argv, ours);
  const std::vector<uint8_t> ref_bytes = read_file_bytes(ref_out);
  const std::vector<uint8_t> our_bytes = read_file_bytes(our_out);
  EXPECT_EQ(our_bytes, ref_bytes) << "output differs from bpftool's (" << our_bytes.size() << " vs " << ref_bytes.size()
                                  << " bytes); compare with\n  bpftool btf dump file "
                                  << "<out>\n"
                                  << describe(our_argv, ours);

  btfgen::BtfPtr parsed = parse_btf(ref_out);
  ASSERT_NE(parsed, nullptr) << "bpftool's output does not parse";
  if (c.check) c.check(parsed.get(), ref_bytes);

  if (c.same_as) {
    const Case* other = find_case(c.same_as);
    ASSERT_NE(other, nullptr) << "table error: unknown case " << c.same_as;
    const std::string other_out = dir.file("other.btf");
    const auto other_argv = command(bpftool, *other, other_out);
    const CommandResult r = run_command(other_argv);
    ASSERT_EQ(r.exit_code, 0) << describe(other_argv, r);
    EXPECT_EQ(read_file_bytes(other_out), ref_bytes) << "expected the same output as case " << c.same_as;
  }
}

// Every table entry pins something beyond "both agree": a failure pins bpftool's exit status;
// a success either checks the output or points at a case it must equal, or is part of the
// layout-variation set whose exact bytes the comparison itself pins.
TEST(CraftedDifferentialTable, NamesAreUniqueAndReferencesResolve) {
  std::vector<std::string> seen;
  for (const auto& c : cases()) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), c.name), 0) << "duplicate case " << c.name;
    seen.emplace_back(c.name);
    if (c.same_as) {
      EXPECT_NE(find_case(c.same_as), nullptr) << c.name << " refers to " << c.same_as;
    }
    if (c.expect == Expect::kFailure) {
      EXPECT_NE(c.bpftool_exit, 0) << c.name;
    }
    EXPECT_FALSE(c.objects.empty()) << c.name;
  }
  EXPECT_GE(seen.size(), 50u);
}

INSTANTIATE_TEST_SUITE_P(Table, CraftedDifferential, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

}  // namespace
