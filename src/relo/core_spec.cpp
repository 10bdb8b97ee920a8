// Local spec parsing: "0:1:2" against the object's BTF (spec §7).
#include "relo/core_spec.h"

#include <cerrno>
#include <cstdio>

#include "btfgen/relo/relo_kind.h"
#include "common/btf_util.h"

namespace btfgen {

bool spec_is_flexible_array(const struct btf* b, const Spec& spec, const struct btf_type* array_type) {
  if (spec.len == 0) return false;
  const Accessor& prev = spec.acc[spec.len - 1];
  if (prev.name == nullptr || btf_array(array_type)->nelems > 0) return false;
  const struct btf_type* owner = type_at(b, prev.type_id);
  return owner != nullptr && prev.idx == static_cast<uint32_t>(btf_vlen(owner)) - 1;
}

int parse_local_spec(const struct btf* local, uint32_t type_id, uint32_t kind, const char* access, Spec& spec) {
  if (str_empty(access) || access[0] == ':') return -EINVAL;
  spec = Spec{};
  spec.btf = local;
  spec.root_type_id = type_id;
  spec.kind = kind;
  if (is_type_kind(kind)) return std::string_view(access) == "0" ? 0 : -EINVAL;

  // Integers as C's %d reads them (leading blanks and a sign allowed), separated by single ':'.
  const char* s = access;
  while (*s != '\0') {
    if (*s == ':') ++s;
    int value = 0, consumed = 0;
    if (std::sscanf(s, "%d%n", &value, &consumed) != 1) return -EINVAL;
    if (spec.raw_len == kMaxSpecLen) return -E2BIG;
    s += consumed;
    spec.raw[spec.raw_len++] = value;
  }
  if (spec.raw_len == 0) return -EINVAL;

  TypeRef root = strip(local, type_id);
  if (root.type == nullptr) return -EINVAL;
  uint32_t id = root.id;
  const struct btf_type* t = root.type;
  spec.acc[0] = {id, static_cast<uint32_t>(spec.raw[0]), nullptr};
  spec.len = 1;

  if (is_enumval_kind(kind)) {
    // A negative index would read outside the enum in libbpf; reject it.
    if (!is_any_enum_kind(btf_kind(t)) || spec.raw_len > 1 || spec.raw[0] < 0 || spec.raw[0] >= btf_vlen(t))
      return -EINVAL;
    spec.acc[0].name = name_at(local, enumerator_name_off(t, spec.raw[0]));
    if (spec.acc[0].name == nullptr) return -EINVAL;
    return 0;
  }
  if (!is_field_kind(kind)) return -EINVAL;

  long long sz = btf__resolve_size(local, id);
  if (sz < 0) return static_cast<int>(sz);
  spec.bit_offset = static_cast<uint32_t>(static_cast<long long>(spec.raw[0]) * sz * 8);

  for (int i = 1; i < spec.raw_len; i++) {
    TypeRef cur = strip(local, id);
    if (cur.type == nullptr) return -EINVAL;
    id = cur.id;
    t = cur.type;
    const int32_t a = spec.raw[i];
    if (btf_is_composite(t)) {
      if (a < 0 || a >= btf_vlen(t)) return -EINVAL;  // negative: undefined in libbpf, rejected
      spec.bit_offset += btf_member_bit_offset(t, a);
      const struct btf_member* m = btf_members(t) + a;
      if (m->name_off != 0) {
        const char* nm = name_at(local, m->name_off);
        if (str_empty(nm)) return -EINVAL;
        spec.acc[spec.len++] = {id, static_cast<uint32_t>(a), nm};
      }
      id = m->type;
    } else if (btf_is_array(t)) {
      const struct btf_array* arr = btf_array(t);
      TypeRef elem = strip(local, arr->type);
      if (elem.type == nullptr) return -EINVAL;
      const bool flex = spec_is_flexible_array(local, spec, t);
      if (!flex && static_cast<uint32_t>(a) >= arr->nelems) return -EINVAL;
      spec.acc[spec.len++] = {elem.id, static_cast<uint32_t>(a), nullptr};
      id = elem.id;
      sz = btf__resolve_size(local, id);
      if (sz < 0) return static_cast<int>(sz);
      spec.bit_offset += static_cast<uint32_t>(static_cast<long long>(a) * sz * 8);
    } else {
      return -EINVAL;  // access through a type that is neither composite nor array
    }
  }
  return 0;
}

}  // namespace btfgen
