// CO-RE access specs: a relocation's access string resolved against a BTF, on the local (object)
// side by parsing, on the target (kernel) side by matching a local spec against a candidate.
//
// Example: local `struct task_struct { int pid; struct { int a; } anon; }` with access "0:1:0"
// (p->anon.a, anonymous struct member) has raw indices [0,1,0] and high-level accessors
// [root #0] [a, member 0 of the anonymous struct]; anonymous members get no accessor. Matching it
// against a kernel's task_struct finds `a` wherever its anonymous nesting puts it and records every
// member index walked on the way in the candidate's raw list, which the marker then follows.
#pragma once

#include <array>
#include <cstdint>

struct btf;
struct btf_type;

namespace btfgen {

enum ReloKind : uint32_t {
  kFieldByteOffset = 0,
  kFieldByteSize = 1,
  kFieldExists = 2,
  kFieldSigned = 3,
  kFieldLshiftU64 = 4,
  kFieldRshiftU64 = 5,
  kTypeIdLocal = 6,
  kTypeIdTarget = 7,
  kTypeExists = 8,
  kTypeSize = 9,
  kEnumvalExists = 10,
  kEnumvalValue = 11,
  kTypeMatches = 12,
};

inline bool is_field_kind(uint32_t k) { return k <= kFieldRshiftU64; }
inline bool is_type_kind(uint32_t k) {
  return k == kTypeIdLocal || k == kTypeIdTarget || k == kTypeExists || k == kTypeSize ||
         k == kTypeMatches;
}
inline bool is_enumval_kind(uint32_t k) { return k == kEnumvalExists || k == kEnumvalValue; }

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

// Parses ACCESS for a relocation of KIND rooted at TYPE_ID. Returns 0 or a negative errno.
int parse_local_spec(const struct btf* local, uint32_t type_id, uint32_t kind, const char* access,
                     Spec& spec);

// Matches LOCAL against candidate CAND_ID of TARGET, filling CAND. 1 match, 0 no match, <0 error.
int match_candidate(const Spec& local, const struct btf* target, uint32_t cand_id, Spec& cand);

// True when ARRAY_TYPE is a flexible array given SPEC's last high-level accessor.
bool spec_is_flexible_array(const struct btf* b, const Spec& spec, const struct btf_type* array_type);

// Compatibility rules (exposed for tests).
int types_compatible(const struct btf* local, uint32_t local_id, const struct btf* target,
                     uint32_t target_id, int level = 32);
int fields_compatible(const struct btf* local, uint32_t local_id, const struct btf* target,
                      uint32_t target_id);
int types_match(const struct btf* local, uint32_t local_id, const struct btf* target,
                uint32_t target_id, bool behind_ptr = false, int level = 32);

}  // namespace btfgen
