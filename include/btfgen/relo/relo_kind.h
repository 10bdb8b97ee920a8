// The CO-RE relocation kinds: uapi's enum bpf_core_relo_kind, the names libbpf prints for them, and
// the three families the engine treats alike (field, type, enumerator).
#pragma once

#include <cstdint>

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
inline constexpr uint32_t kReloKindCount = 13;

// libbpf's short name, as its messages print it: "byte_off", "type_matches"; "unknown" past the end.
const char* relo_kind_name(uint32_t kind);
// uapi's name without its prefix, for reports: "field_byte_offset", "type_matches"; "unknown" past the end.
const char* relo_kind_id(uint32_t kind);

inline bool is_field_kind(uint32_t k) { return k <= kFieldRshiftU64; }
inline bool is_type_kind(uint32_t k) {
  return k == kTypeIdLocal || k == kTypeIdTarget || k == kTypeExists || k == kTypeSize || k == kTypeMatches;
}
inline bool is_enumval_kind(uint32_t k) { return k == kEnumvalExists || k == kEnumvalValue; }

}  // namespace btfgen
