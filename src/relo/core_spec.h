// CO-RE access specs: a relocation's access string resolved against a BTF, on the local (object)
// side by parsing (core_spec.cpp), on the target (kernel) side by matching a local spec against a
// candidate (core_match.h).
//
// Example: local `struct task_struct { int pid; struct { int a; } anon; }` with access "0:1:0"
// (p->anon.a, anonymous struct member) has raw indices [0,1,0] and high-level accessors
// [root #0] [a, member 0 of the anonymous struct]; anonymous members get no accessor. Matching it
// against a kernel's task_struct finds `a` wherever its anonymous nesting puts it and records every
// member index walked on the way in the candidate's raw list, which the marker then follows.
#pragma once

#include <array>
#include <cstdint>

#include "btfgen/relo/relo_kind.h"

struct btf;
struct btf_type;

namespace btfgen {

inline constexpr int kMaxSpecLen = 64;

struct Accessor {
  uint32_t type_id = 0;
  uint32_t idx = 0;
  const char* name = nullptr;  // null for array/root index accessors
};

struct Spec {
  const struct btf* btf = nullptr;
  uint32_t root_type_id = 0;  // as given, not stripped
  uint32_t kind = 0;
  int raw_len = 0;
  int len = 0;
  uint32_t bit_offset = 0;  // wraps like libbpf's u32
  std::array<int32_t, kMaxSpecLen> raw{};
  std::array<Accessor, kMaxSpecLen> acc{};
};

// Parses ACCESS for a relocation of KIND rooted at TYPE_ID (spec §7). Returns 0 or a negative
// errno, libbpf's convention: every failure is fatal to the relocation, which reports EINVAL.
int parse_local_spec(const struct btf* local, uint32_t type_id, uint32_t kind, const char* access, Spec& spec);

// True when ARRAY_TYPE is a flexible array given SPEC's last high-level accessor: the accessor
// names the last member of its composite and the array has no elements.
bool spec_is_flexible_array(const struct btf* b, const Spec& spec, const struct btf_type* array_type);

}  // namespace btfgen
