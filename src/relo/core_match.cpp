// Matching a local spec against one target candidate (rules in core_match.h, spec §8).
#include "relo/core_match.h"

#include <cerrno>
#include <cstring>

#include "common/btf_util.h"

namespace btfgen {

namespace {

// Name equality for TYPE_MATCHES: an anonymous target only matches an anonymous local; otherwise
// essential names must be equal.
int names_match(const struct btf* local, uint32_t local_off, const struct btf* target, uint32_t target_off) {
  const char* ln = name_at(local, local_off);
  const char* tn = name_at(target, target_off);
  if (str_empty(tn)) return str_empty(ln) ? 1 : 0;
  if (ln == nullptr) return -EINVAL;  // libbpf dereferences it; invalid BTF
  return essential_names_equal(ln, tn) ? 1 : 0;
}

int enums_match(const struct btf* local, const struct btf_type* lt, const struct btf* target,
                const struct btf_type* tt) {
  const uint16_t lvlen = btf_vlen(lt), tvlen = btf_vlen(tt);
  if (lt->size != tt->size || lvlen > tvlen) return 0;
  for (uint16_t i = 0; i < lvlen; i++) {
    bool matched = false;
    for (uint16_t j = 0; j < tvlen && !matched; j++) {
      const int r = names_match(local, enumerator_name_off(lt, i), target, enumerator_name_off(tt, j));
      if (r < 0) return r;
      matched = r > 0;
    }
    if (!matched) return 0;
  }
  return 1;
}

int composites_match(const struct btf* local, const struct btf_type* lt, const struct btf* target,
                     const struct btf_type* tt, bool behind_ptr, int level) {
  const uint16_t lvlen = btf_vlen(lt), tvlen = btf_vlen(tt);
  if (lvlen > tvlen) return 0;
  const struct btf_member* lm = btf_members(lt);
  for (uint16_t i = 0; i < lvlen; i++, lm++) {
    const struct btf_member* tm = btf_members(tt);
    bool matched = false;
    for (uint16_t j = 0; j < tvlen; j++, tm++) {
      const int nm = names_match(local, lm->name_off, target, tm->name_off);
      if (nm < 0) return nm;
      if (nm == 0) continue;
      const int r = types_match(local, lm->type, target, tm->type, behind_ptr, level - 1);
      if (r < 0) return r;
      if (r > 0) {
        matched = true;
        break;
      }
    }
    if (!matched) return 0;
  }
  return 1;
}

// Depth-first search of target composite TARGET_ID for a member named like local accessor LA.
// Speculatively records each member index walked (libbpf's exact bookkeeping, including that an
// incompatible same-named member inside an anonymous member does not undo its raw entry).
int match_member(const Spec& local, const Accessor& la, const struct btf* target, uint32_t target_id, Spec& cand,
                 uint32_t& next_target_id) {
  const struct btf_type* lowner = type_at(local.btf, la.type_id);
  if (lowner == nullptr) return -EINVAL;
  const struct btf_member* lmember = btf_members(lowner) + la.idx;
  const char* lname = name_at(local.btf, lmember->name_off);
  if (lname == nullptr) return -EINVAL;

  TypeRef tt = strip(target, target_id);
  if (tt.type == nullptr) return -EINVAL;
  if (!btf_is_composite(tt.type)) return 0;
  const struct btf_member* m = btf_members(tt.type);
  const uint16_t n = btf_vlen(tt.type);
  for (uint16_t i = 0; i < n; i++, m++) {
    const uint32_t bit_offset = btf_member_bit_offset(tt.type, i);
    if (cand.raw_len == kMaxSpecLen) return -E2BIG;
    cand.bit_offset += bit_offset;
    cand.raw[cand.raw_len++] = i;
    const char* tname = name_at(target, m->name_off);
    if (str_empty(tname)) {
      const int found = match_member(local, la, target, m->type, cand, next_target_id);
      if (found != 0) return found;
    } else if (std::strcmp(lname, tname) == 0) {
      cand.acc[cand.len++] = {tt.id, i, tname};
      next_target_id = m->type;
      const int found = fields_compatible(local.btf, lmember->type, target, m->type);
      if (found == 0) cand.len--;
      return found;
    }
    cand.bit_offset -= bit_offset;
    cand.raw_len--;
  }
  return 0;
}

}  // namespace

int types_compatible(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                     int level) {
  const struct btf_type* lt = type_at(local, local_id);
  const struct btf_type* tt = type_at(target, target_id);
  if (lt == nullptr || tt == nullptr) return -EINVAL;
  if (!kinds_compatible(lt, tt)) return 0;
  for (int depth = 32;;) {
    if (--depth < 0) return -EINVAL;
    TypeRef l = strip(local, local_id), t = strip(target, target_id);
    if (l.type == nullptr || t.type == nullptr) return -EINVAL;
    if (!kinds_compatible(l.type, t.type)) return 0;
    switch (btf_kind(l.type)) {
      case BTF_KIND_UNKN:
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
      case BTF_KIND_FWD:
        return 1;
      case BTF_KIND_INT:
        return btf_int_offset(l.type) == 0 && btf_int_offset(t.type) == 0;
      case BTF_KIND_PTR:
        local_id = l.type->type;
        target_id = t.type->type;
        continue;
      case BTF_KIND_ARRAY:
        local_id = btf_array(l.type)->type;
        target_id = btf_array(t.type)->type;
        continue;
      case BTF_KIND_FUNC_PROTO: {
        const uint16_t n = btf_vlen(l.type);
        if (n != btf_vlen(t.type)) return 0;
        const struct btf_param* lp = btf_params(l.type);
        const struct btf_param* tp = btf_params(t.type);
        for (uint16_t i = 0; i < n; i++) {
          if (level <= 0) return -EINVAL;
          const int r =
              types_compatible(local, strip(local, lp[i].type).id, target, strip(target, tp[i].type).id, level - 1);
          if (r <= 0) return r;
        }
        local_id = strip(local, l.type->type).id;
        target_id = strip(target, t.type->type).id;
        continue;
      }
      default:
        return 0;  // libbpf warns "unexpected kind ... relocated"
    }
  }
}

int fields_compatible(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id) {
  for (;;) {
    TypeRef l = strip(local, local_id), t = strip(target, target_id);
    if (l.type == nullptr || t.type == nullptr) return -EINVAL;
    if (btf_is_composite(l.type) && btf_is_composite(t.type)) return 1;
    if (!kinds_compatible(l.type, t.type)) return 0;
    switch (btf_kind(l.type)) {
      case BTF_KIND_PTR:
      case BTF_KIND_FLOAT:
        return 1;
      case BTF_KIND_FWD:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {
        const char* ln = name_at(local, l.type->name_off);
        const char* tn = name_at(target, t.type->name_off);
        if (ln == nullptr || tn == nullptr) return -EINVAL;
        const size_t llen = essential_name_len(ln), tlen = essential_name_len(tn);
        return llen == 0 || tlen == 0 || (llen == tlen && std::strncmp(ln, tn, llen) == 0);
      }
      case BTF_KIND_INT:
        return btf_int_offset(l.type) == 0 && btf_int_offset(t.type) == 0;
      case BTF_KIND_ARRAY:
        local_id = btf_array(l.type)->type;
        target_id = btf_array(t.type)->type;
        continue;
      default:
        return 0;
    }
  }
}

int types_match(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                bool behind_ptr, int level) {
  if (level <= 0) return -EINVAL;
  for (int depth = 32;;) {
    if (--depth < 0) return -EINVAL;
    TypeRef l = strip(local, local_id), t = strip(target, target_id);
    if (l.type == nullptr || t.type == nullptr) return -EINVAL;
    const int nm = names_match(local, l.type->name_off, target, t.type->name_off);
    if (nm <= 0) return nm;
    const uint16_t lk = btf_kind(l.type), tk = btf_kind(t.type);
    switch (lk) {
      case BTF_KIND_UNKN:
        return lk == tk;
      case BTF_KIND_FWD: {
        const bool lf = btf_kflag(l.type);
        if (behind_ptr) {
          if (tk == BTF_KIND_FWD) return lf == btf_kflag(t.type);
          return (tk == BTF_KIND_STRUCT && !lf) || (tk == BTF_KIND_UNION && lf);
        }
        return tk == BTF_KIND_FWD && lf == btf_kflag(t.type);
      }
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        if (!is_any_enum_kind(tk)) return 0;
        return enums_match(local, l.type, target, t.type);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        if (behind_ptr) {
          if (lk == tk) return 1;
          if (tk != BTF_KIND_FWD) return 0;
          return (lk == BTF_KIND_UNION) == btf_kflag(t.type);
        }
        if (lk != tk) return 0;
        return composites_match(local, l.type, target, t.type, behind_ptr, level);
      case BTF_KIND_INT:
        if (tk != BTF_KIND_INT) return 0;
        return l.type->size == t.type->size &&
               (btf_int_encoding(l.type) & BTF_INT_SIGNED) == (btf_int_encoding(t.type) & BTF_INT_SIGNED);
      case BTF_KIND_PTR:
        if (tk != BTF_KIND_PTR) return 0;
        behind_ptr = true;
        local_id = l.type->type;
        target_id = t.type->type;
        continue;
      case BTF_KIND_ARRAY:
        if (tk != BTF_KIND_ARRAY || btf_array(l.type)->nelems != btf_array(t.type)->nelems) return 0;
        local_id = btf_array(l.type)->type;
        target_id = btf_array(t.type)->type;
        continue;
      case BTF_KIND_FUNC_PROTO: {
        if (tk != BTF_KIND_FUNC_PROTO) return 0;
        const uint16_t n = btf_vlen(l.type);
        if (n != btf_vlen(t.type)) return 0;
        const struct btf_param* lp = btf_params(l.type);
        const struct btf_param* tp = btf_params(t.type);
        for (uint16_t i = 0; i < n; i++) {
          const int r = types_match(local, lp[i].type, target, tp[i].type, behind_ptr, level - 1);
          if (r <= 0) return r;
        }
        local_id = l.type->type;
        target_id = t.type->type;
        continue;
      }
      default:
        return 0;  // libbpf warns "unexpected kind ... relocated"
    }
  }
}

int match_candidate(const Spec& local, const struct btf* target, uint32_t cand_id, Spec& cand) {
  cand = Spec{};
  cand.btf = target;
  cand.root_type_id = cand_id;
  cand.kind = local.kind;

  if (is_type_kind(local.kind)) {
    if (local.kind == kTypeMatches) return types_match(local.btf, local.root_type_id, target, cand_id);
    return types_compatible(local.btf, local.root_type_id, target, cand_id);
  }

  if (is_enumval_kind(local.kind)) {
    TypeRef t = strip(target, cand_id);
    if (t.type == nullptr) return -EINVAL;
    if (!is_any_enum_kind(btf_kind(t.type))) return 0;
    const std::string_view want = essential_name(local.acc[0].name);
    const uint16_t n = btf_vlen(t.type);
    for (uint16_t i = 0; i < n; i++) {
      const char* tn = name_at(target, enumerator_name_off(t.type, i));
      if (tn == nullptr) return -EINVAL;  // libbpf dereferences it; invalid BTF
      if (essential_name(tn) != want) continue;
      cand.acc[0] = {t.id, i, tn};
      cand.len = 1;
      cand.raw[0] = i;
      cand.raw_len = 1;
      return 1;
    }
    return 0;
  }

  if (!is_field_kind(local.kind)) return -EINVAL;

  uint32_t target_id = cand_id;
  for (int i = 0; i < local.len; i++) {
    TypeRef tt = strip(target, target_id);
    if (tt.type == nullptr) return -EINVAL;
    target_id = tt.id;
    const Accessor& la = local.acc[i];
    if (la.name != nullptr) {
      const int r = match_member(local, la, target, target_id, cand, target_id);
      if (r <= 0) return r;
      continue;
    }
    if (i > 0) {
      if (!btf_is_array(tt.type)) return 0;
      const struct btf_array* arr = btf_array(tt.type);
      const bool flex = spec_is_flexible_array(target, cand, tt.type);
      if (!flex && la.idx >= arr->nelems) return 0;
      TypeRef elem = strip(target, arr->type);
      if (elem.type == nullptr) return -EINVAL;
      target_id = elem.id;
    }
    if (cand.raw_len == kMaxSpecLen) return -E2BIG;
    cand.acc[cand.len++] = {target_id, la.idx, nullptr};
    cand.raw[cand.raw_len++] = static_cast<int32_t>(la.idx);
    // libbpf keeps the size in an int: a size of 2 GiB or more turns negative and fails the match.
    const int sz = static_cast<int>(btf__resolve_size(target, target_id));
    if (sz < 0) return sz;
    cand.bit_offset += static_cast<uint32_t>(la.idx * sz * 8);
  }
  return 1;
}

}  // namespace btfgen
