#include "minimize/marker.h"

#include <cerrno>

#include "relo/btf_util.h"

namespace btfgen {

namespace {
constexpr int kMaxMarkDepth = 4096;  // far beyond any valid BTF; guards against reference loops
}

Marker::Marker(const struct btf* target)
    : target_(target), types_(btf__type_cnt(target), 0), match_state_(2 * size_t{btf__type_cnt(target)}, 0) {}

namespace {
int dangling(uint32_t id, std::string& why) {
  why = "dangling type id " + std::to_string(id) + " in target BTF";
  return -EINVAL;
}
}  // namespace

int Marker::unsupported(const struct btf_type* t, uint32_t shown_id, std::string& why) {
  why = std::string("unsupported kind: ") + kind_name(btf_kind(t)) + " (" + std::to_string(shown_id) + ")";
  return -EINVAL;
}

int Marker::mark_type(uint32_t id, bool follow, int depth, std::string& why) {
  if (id == 0) return 0;
  const struct btf_type* t = type_at(target_, id);
  if (t == nullptr) return dangling(id, why);
  if (depth > kMaxMarkDepth) {
    why = "type reference loop through [" + std::to_string(id) + "]";
    return -ELOOP;
  }
  types_[id] = 1;
  switch (btf_kind(t)) {
    case BTF_KIND_UNKN:
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return 0;
    case BTF_KIND_PTR:
      return follow ? mark_type(t->type, follow, depth + 1, why) : 0;
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_TYPEDEF:
      return mark_type(t->type, follow, depth + 1, why);
    case BTF_KIND_ARRAY: {
      const int err = mark_type(btf_array(t)->type, follow, depth + 1, why);
      return err != 0 ? err : mark_type(btf_array(t)->index_type, follow, depth + 1, why);
    }
    case BTF_KIND_FUNC_PROTO: {
      int err = mark_type(t->type, follow, depth + 1, why);
      const struct btf_param* p = btf_params(t);
      for (uint16_t i = 0; err == 0 && i < btf_vlen(t); i++) err = mark_type(p[i].type, follow, depth + 1, why);
      return err;
    }
    default:
      return unsupported(t, id, why);
  }
}

int Marker::mark_match(uint32_t id, bool behind, std::string& why) {
  if (id == 0) return 0;
  const struct btf_type* t = type_at(target_, id);
  if (t == nullptr) return dangling(id, why);
  // bpftool re-walks shared subgraphs and recurses forever on a by-value cycle (through a function
  // prototype). Walking each (id, behind) once gives the same marks; a cycle is a fatal error.
  uint8_t& state = match_state_[2 * size_t{id} + (behind ? 1 : 0)];
  if (state == 2) return 0;
  if (state == 1) {
    why = "type_matches marking recurses forever through [" + std::to_string(id) + "] (bpftool crashes here)";
    return -ELOOP;
  }
  state = 1;
  types_[id] = 1;
  int err = 0;
  switch (btf_kind(t)) {
    case BTF_KIND_UNKN:
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
      break;
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
      if (behind) break;
      const struct btf_member* m = btf_members(t);
      for (uint16_t i = 0; err == 0 && i < btf_vlen(t); i++) {
        mark_member(id, i);
        err = mark_match(m[i].type, false, why);
      }
      break;
    }
    case BTF_KIND_CONST:
    case BTF_KIND_FWD:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
      err = mark_match(t->type, behind, why);
      break;
    case BTF_KIND_PTR:
      err = mark_match(t->type, true, why);
      break;
    case BTF_KIND_ARRAY:
      err = mark_match(btf_array(t)->type, false, why);
      if (err == 0) err = mark_match(btf_array(t)->index_type, false, why);
      break;
    case BTF_KIND_FUNC_PROTO: {
      err = mark_match(t->type, false, why);
      const struct btf_param* p = btf_params(t);
      for (uint16_t i = 0; err == 0 && i < btf_vlen(t); i++) err = mark_match(p[i].type, false, why);
      break;
    }
    default:
      err = unsupported(t, id, why);
  }
  state = err == 0 ? 2 : 0;
  return err;
}

int Marker::record_field(const Spec& spec, std::string& why) {
  uint32_t cur = spec.root_type_id;
  int err = mark_type(cur, false, 0, why);
  if (err != 0) return err;
  for (int i = 1; i < spec.raw_len; i++) {
    const TypeRef stripped = strip(target_, cur);  // no marking along this skip
    cur = stripped.id;
    const struct btf_type* t = stripped.type;
    if (t == nullptr) return dangling(cur, why);
    if (btf_is_composite(t)) {
      const int idx = spec.raw[i];
      if (idx < 0 || idx >= btf_vlen(t)) {
        why = "member index " + std::to_string(idx) + " out of range in [" + std::to_string(cur) + "]";
        return -EINVAL;
      }
      mark_member(cur, static_cast<uint32_t>(idx));
      cur = btf_members(t)[idx].type;
      err = mark_type(cur, false, 0, why);
      if (err != 0) return err;
    } else if (btf_is_array(t)) {
      cur = btf_array(t)->type;
    } else {
      return unsupported(t, t->type, why);  // bpftool prints the record's type field here
    }
  }
  return 0;
}

int Marker::record(const Spec& spec, std::string& why) {
  switch (spec.kind) {
    case kFieldByteOffset:
    case kFieldByteSize:
    case kFieldExists:
    case kFieldSigned:
    case kFieldLshiftU64:
    case kFieldRshiftU64:
      return record_field(spec, why);
    case kTypeIdLocal:
      return 0;
    case kTypeIdTarget:
    case kTypeExists:
    case kTypeSize:
      return mark_type(spec.root_type_id, true, 0, why);
    case kTypeMatches:
      return mark_match(spec.root_type_id, false, why);
    case kEnumvalExists:
    case kEnumvalValue:
      return mark_type(spec.root_type_id, false, 0, why);
    default:
      why = "unknown relocation kind " + std::to_string(spec.kind);
      return -EINVAL;
  }
}

}  // namespace btfgen
