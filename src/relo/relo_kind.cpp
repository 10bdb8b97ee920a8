#include "btfgen/relo/relo_kind.h"

namespace btfgen {

const char* relo_kind_name(uint32_t kind) {
  static constexpr const char* kNames[kReloKindCount] = {
      "byte_off",       "byte_sz",       "field_exists",   "signed",      "lshift_u64",
      "rshift_u64",     "local_type_id", "target_type_id", "type_exists", "type_size",
      "enumval_exists", "enumval_value", "type_matches"};
  return kind < kReloKindCount ? kNames[kind] : "unknown";
}

const char* relo_kind_id(uint32_t kind) {
  static constexpr const char* kIds[kReloKindCount] = {
      "field_byte_offset", "field_byte_size", "field_exists",   "field_signed", "field_lshift_u64",
      "field_rshift_u64",  "type_id_local",   "type_id_target", "type_exists",  "type_size",
      "enumval_exists",    "enumval_value",   "type_matches"};
  return kind < kReloKindCount ? kIds[kind] : "unknown";
}

}  // namespace btfgen
