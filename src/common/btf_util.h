// Small, inline views over libbpf's public BTF API that the CO-RE engine, marker and emitter share.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace btfgen {

// BTF's magic number, for .BTF and .BTF.ext alike (host byte order).
inline constexpr uint16_t kBtfMagic = 0xEB9F;

// A type id with its record; `type` is null when the id is out of range.
struct TypeRef {
  uint32_t id = 0;
  const struct btf_type* type = nullptr;
};

// The record for ID, or null when ID is out of range (btf__type_by_id's range check).
inline const struct btf_type* type_at(const struct btf* b, uint32_t id) {
  if (id >= btf__type_cnt(b)) return nullptr;
  return btf__type_by_id(b, id);
}

// A name: null when the offset is past the string section, like btf__name_by_offset.
inline const char* name_at(const struct btf* b, uint32_t off) { return btf__name_by_offset(b, off); }

inline bool str_empty(const char* s) { return s == nullptr || s[0] == '\0'; }

// Modifiers as libbpf 1.1 counts them: VOLATILE, CONST, RESTRICT and TYPE_TAG.
inline bool is_mod_kind(uint16_t k) {
  return k == BTF_KIND_VOLATILE || k == BTF_KIND_CONST || k == BTF_KIND_RESTRICT || k == BTF_KIND_TYPE_TAG;
}

// Follows modifiers and typedefs. Result's type is null when a link is out of range or the chain
// loops (libbpf would spin forever on such BTF; it has more links than the BTF has types).
inline TypeRef strip(const struct btf* b, uint32_t id) {
  const struct btf_type* t = type_at(b, id);
  for (uint32_t steps = btf__type_cnt(b);
       t != nullptr && (is_mod_kind(btf_kind(t)) || btf_kind(t) == BTF_KIND_TYPEDEF);) {
    if (steps-- == 0) return {id, nullptr};
    id = t->type;
    t = type_at(b, id);
  }
  return {id, t};
}

inline bool is_any_enum_kind(uint16_t k) { return k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64; }

// Same kind, or both enum kinds.
inline bool kinds_compatible(const struct btf_type* a, const struct btf_type* b) {
  const uint16_t ka = btf_kind(a), kb = btf_kind(b);
  return ka == kb || (is_any_enum_kind(ka) && is_any_enum_kind(kb));
}

// Length of NAME without a trailing "___flavor" suffix (the right-most one that qualifies).
inline size_t essential_name_len(std::string_view name) {
  const size_t n = name.size();
  if (n < 5) return n;
  for (size_t i = n - 5 + 1; i-- > 0;) {
    if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
      return i + 1;
  }
  return n;
}

inline std::string_view essential_name(std::string_view name) { return name.substr(0, essential_name_len(name)); }

// Both names equal once their flavors are stripped.
inline bool essential_names_equal(std::string_view a, std::string_view b) {
  return essential_name(a) == essential_name(b);
}

// Enumerator I's name offset of an ENUM or ENUM64.
inline uint32_t enumerator_name_off(const struct btf_type* t, uint32_t i) {
  return btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
}

// The encoding word that follows a record's 12-byte header (libbpf 1.1 reads it for any kind).
inline uint32_t word_after_header(const struct btf_type* t) {
  uint32_t w;
  std::memcpy(&w, reinterpret_cast<const uint8_t*>(t) + sizeof(*t), sizeof(w));
  return w;
}

// Lowercase kind names as bpftool prints them ("struct", "enum64", ...).
const char* kind_name(uint16_t kind);

// Size in bytes of a type record including its trailing data, or -1 for an unknown kind.
long record_size(const struct btf_type* t);

}  // namespace btfgen
