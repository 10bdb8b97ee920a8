#include "minimize/marker.h"

#include <cerrno>
#include <string>

#include "common/btf_util.h"

namespace btfgen {

namespace {

constexpr int kMaxMarkDepth = 4096;  // far beyond any valid BTF; guards against reference loops

Failure dangling(uint32_t id) { return {EINVAL, "dangling type id " + std::to_string(id) + " in target BTF"}; }

// bpftool's words ("unsupported kind: fwd (10)"), with the id it prints.
Failure unsupported(const struct btf_type* t, uint32_t shown_id) {
  return {EINVAL, std::string("unsupported kind: ") + kind_name(btf_kind(t)) + " (" + std::to_string(shown_id) + ")"};
}

}  // namespace

Marker::Marker(const struct btf* target)
    : target_(target), types_(btf__type_cnt(target), 0), match_state_(2 * size_t{btf__type_cnt(target)}, 0) {}

Status Marker::mark_type(uint32_t id, bool follow, int depth) {
  if (id == 0) return {};
  const struct btf_type* t = type_at(target_, id);
  if (t == nullptr) return dangling(id);
  if (depth > kMaxMarkDepth) return Failure{ELOOP, "type reference loop through [" + std::to_string(id) + "]"};
  types_[id] = 1;
  switch (btf_kind(t)) {
    case BTF_KIND_UNKN:
    case BTF_KIND_INT:
    case BTF_KIND_FLOAT:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return {};
    case BTF_KIND_PTR:
      return follow ? mark_type(t->type, follow, depth + 1) : Status{};
    case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_TYPEDEF:
      return mark_type(t->type, follow, depth + 1);
    case BTF_KIND_ARRAY: {
      if (Status s = mark_type(btf_array(t)->type, follow, depth + 1); !s) return s;
      return mark_type(btf_array(t)->index_type, follow, depth + 1);
    }
    case BTF_KIND_FUNC_PROTO: {
      if (Status s = mark_type(t->type, follow, depth + 1); !s) return s;
      const struct btf_param* p = btf_params(t);
      for (uint16_t i = 0; i < btf_vlen(t); i++)
        if (Status s = mark_type(p[i].type, follow, depth + 1); !s) return s;
      return {};
    }
    default:
      return unsupported(t, id);
  }
}

Status Marker::mark_match(uint32_t id, bool behind) {
  if (id == 0) return {};
  const struct btf_type* t = type_at(target_, id);
  if (t == nullptr) return dangling(id);
  // bpftool re-walks shared subgraphs and recurses forever on a by-value cycle (through a function
  // prototype). Walking each (id, behind) once gives the same marks; a cycle is a fatal error.
  uint8_t& state = match_state_[2 * size_t{id} + (behind ? 1 : 0)];
  if (state == 2) return {};
  if (state == 1)
    return Failure{ELOOP,
                   "type_matches marking recurses forever through [" + std::to_string(id) + "] (bpftool crashes here)"};
  state = 1;
  types_[id] = 1;
  Status result;
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
      for (uint16_t i = 0; result && i < btf_vlen(t); i++) {
        mark_member(id, i);
        result = mark_match(m[i].type, false);
      }
      break;
    }
    case BTF_KIND_CONST:
    case BTF_KIND_FWD:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_VOLATILE:
      result = mark_match(t->type, behind);
      break;
    case BTF_KIND_PTR:
      result = mark_match(t->type, true);
      break;
    case BTF_KIND_ARRAY:
      result = mark_match(btf_array(t)->type, false);
      if (result) result = mark_match(btf_array(t)->index_type, false);
      break;
    case BTF_KIND_FUNC_PROTO: {
      result = mark_match(t->type, false);
      const struct btf_param* p = btf_params(t);
      for (uint16_t i = 0; result && i < btf_vlen(t); i++) result = mark_match(p[i].type, false);
      break;
    }
    default:
      result = unsupported(t, id);
  }
  state = result ? 2 : 0;
  return result;
}

Status Marker::record_field(const Spec& spec) {
  uint32_t cur = spec.root_type_id;
  if (Status s = mark_type(cur, false, 0); !s) return s;
  for (int i = 1; i < spec.raw_len; i++) {
    const TypeRef stripped = strip(target_, cur);  // no marking along this skip
    cur = stripped.id;
    const struct btf_type* t = stripped.type;
    if (t == nullptr) return dangling(cur);
    if (btf_is_composite(t)) {
      const int idx = spec.raw[i];
      if (idx < 0 || idx >= btf_vlen(t))
        return Failure{EINVAL,
                       "member index " + std::to_string(idx) + " out of range in [" + std::to_string(cur) + "]"};
      mark_member(cur, static_cast<uint32_t>(idx));
      cur = btf_members(t)[idx].type;
      if (Status s = mark_type(cur, false, 0); !s) return s;
    } else if (btf_is_array(t)) {
      cur = btf_array(t)->type;
    } else {
      return unsupported(t, t->type);  // bpftool prints the record's type field here
    }
  }
  return {};
}

Status Marker::record(const Spec& spec) {
  if (is_field_kind(spec.kind)) return record_field(spec);
  switch (spec.kind) {
    case kTypeIdTarget:
    case kTypeExists:
    case kTypeSize:
      return mark_type(spec.root_type_id, true, 0);
    case kTypeMatches:
      return mark_match(spec.root_type_id, false);
    case kEnumvalExists:
    case kEnumvalValue:
      return mark_type(spec.root_type_id, false, 0);
    default:  // TYPE_ID_LOCAL never matches a candidate, so it is never recorded
      return Failure{EINVAL, "no marks for relocation kind " + std::to_string(spec.kind)};
  }
}

}  // namespace btfgen
