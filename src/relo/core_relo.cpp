// Relocation values and multi-candidate resolution (spec §9.1–9.4).
//
// For each candidate that matches, the value libbpf would patch is computed; the FIRST matching
// candidate's spec is the one recorded, every later match must agree on bit offset and value
// (else "ambiguity", fatal), and the cached list keeps only the candidates that matched, so later
// records of the same object with the same local type see the narrowed list.
//
// Example (spec §9.4): target foo{a,b,x} (id 2) and foo___2{a,c,x} (id 6). Reading `a` matches
// both (foo.a recorded); reading `c` matches only foo___2, and the list becomes [foo___2]; a later
// field_size(a) now records foo___2.a.
#include "relo/core_relo.h"

#include <cerrno>
#include <string>

#include "btfgen/common/error.h"
#include "common/btf_util.h"
#include "relo/core_match.h"

namespace btfgen {

namespace {

constexpr ReloValue kPoisoned{0, true};

// Field value of SPEC (null: no match) for KIND (spec §9.1).
Result<ReloValue> field_value(const Spec* spec, uint32_t kind) {
  if (kind == kFieldExists) return ReloValue{spec != nullptr ? 1u : 0u};
  if (spec == nullptr) return kPoisoned;
  const struct btf* b = spec->btf;
  const Accessor& acc = spec->acc[spec->len - 1];
  if (acc.name == nullptr) {
    if (kind != kFieldByteOffset && kind != kFieldByteSize)
      return Failure{EINVAL, "this relocation kind can't be applied to an array element access"};
    const long long sz = btf__resolve_size(b, acc.type_id);
    if (sz < 0) return Failure{EINVAL, "cannot resolve the size of array element " + type_text(b, acc.type_id)};
    return ReloValue{kind == kFieldByteOffset ? spec->bit_offset / 8 : static_cast<uint64_t>(sz)};
  }
  const struct btf_type* owner = type_at(b, acc.type_id);
  if (owner == nullptr) return Failure{EINVAL, "dangling member owner " + type_text(b, acc.type_id)};
  const struct btf_member* m = btf_members(owner) + acc.idx;
  const TypeRef field = strip(b, m->type);
  if (field.type == nullptr) return Failure{EINVAL, "dangling field type " + type_text(b, m->type)};
  const uint32_t bit_off = spec->bit_offset;
  uint32_t bit_sz = btf_member_bitfield_size(owner, acc.idx);
  uint32_t byte_sz, byte_off;
  if (bit_sz > 0) {
    byte_sz = field.type->size;
    if (byte_sz == 0) return Failure{EINVAL, "bitfield of zero-sized type " + type_text(b, field.id)};
    byte_off = bit_off / 8 / byte_sz * byte_sz;
    while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
      if (byte_sz >= 8) return Failure{E2BIG, "bitfield can't be satisfied by a load of at most 8 bytes"};
      byte_sz *= 2;
      byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
  } else {
    const long long sz = btf__resolve_size(b, field.id);
    if (sz < 0) return Failure{EINVAL, "cannot resolve the size of field type " + type_text(b, field.id)};
    byte_sz = static_cast<uint32_t>(sz);
    byte_off = bit_off / 8;
    bit_sz = byte_sz * 8;
  }
  switch (kind) {
    case kFieldByteOffset:
      return ReloValue{byte_off};
    case kFieldByteSize:
      return ReloValue{byte_sz};
    case kFieldSigned:
      // libbpf 1.1 reads the INT encoding word for any kind (spec §9.1 quirk).
      return ReloValue{(is_any_enum_kind(btf_kind(field.type)) && btf_kflag(field.type)) ||
                       (((word_after_header(field.type) & 0x0f000000) >> 24) & BTF_INT_SIGNED)};
    case kFieldLshiftU64:
      return ReloValue{static_cast<uint32_t>(64 - (bit_off + bit_sz - byte_off * 8))};
    default:  // kFieldRshiftU64
      return ReloValue{static_cast<uint32_t>(64 - bit_sz)};
  }
}

// Type value (spec §9.2); no match gives 0 for every type kind.
Result<ReloValue> type_value(const Spec* spec, uint32_t kind) {
  if (spec == nullptr) return ReloValue{};
  switch (kind) {
    case kTypeIdTarget:
      return ReloValue{spec->root_type_id};
    case kTypeSize: {
      const long long sz = btf__resolve_size(spec->btf, spec->root_type_id);
      if (sz < 0) return Failure{EINVAL, "cannot resolve the size of " + type_text(spec->btf, spec->root_type_id)};
      return ReloValue{static_cast<uint64_t>(sz)};
    }
    default:  // kTypeExists, kTypeMatches (kTypeIdLocal never gets here)
      return ReloValue{1};
  }
}

// Enumerator value (spec §9.3).
Result<ReloValue> enumval_value(const Spec* spec, uint32_t kind) {
  if (kind == kEnumvalExists) return ReloValue{spec != nullptr ? 1u : 0u};
  if (spec == nullptr) return kPoisoned;
  const struct btf_type* t = type_at(spec->btf, spec->acc[0].type_id);
  if (t == nullptr) return Failure{EINVAL, "dangling enum " + type_text(spec->btf, spec->acc[0].type_id)};
  const uint32_t i = spec->acc[0].idx;
  if (btf_is_enum(t)) return ReloValue{static_cast<uint64_t>(static_cast<int64_t>(btf_enum(t)[i].val))};
  return ReloValue{btf_enum64_value(btf_enum64(t) + i)};
}

// The value of SPEC (null: nothing matched) for relocation KIND.
Result<ReloValue> spec_value(const Spec* spec, uint32_t kind) {
  if (is_field_kind(kind)) return field_value(spec, kind);
  if (is_type_kind(kind)) return type_value(spec, kind);
  if (is_enumval_kind(kind)) return enumval_value(spec, kind);
  return Failure{EOPNOTSUPP, "unsupported relocation kind"};
}

std::string value_text(const ReloValue& v) {
  return std::string(v.poison ? "failure " : "success ") + std::to_string(v.value);
}

}  // namespace

std::string type_text(const struct btf* b, uint32_t id) {
  const struct btf_type* t = type_at(b, id);
  if (t == nullptr) return "[" + std::to_string(id) + "] <invalid type id>";
  const char* n = name_at(b, t->name_off);
  return "[" + std::to_string(id) + "] " + kind_name(btf_kind(t)) + " " + (str_empty(n) ? "<anon>" : n);
}

std::string describe_relo(const struct btf* local, const CoreRelo& relo) {
  const char* access = name_at(local, relo.access_str_off);
  return std::string("<") + relo_kind_name(relo.kind) + "> " + type_text(local, relo.type_id) + " + " +
         (access != nullptr ? access : "<?>");
}

std::string relo_context(const std::string& object, const std::string& section, uint32_t index, const struct btf* local,
                         const CoreRelo& relo) {
  return object + ": prog '" + section + "' relo #" + std::to_string(index) + " " + describe_relo(local, relo);
}

Result<ReloOutcome> resolve_relocation(const struct btf* local, const CoreRelo& relo, const struct btf* target,
                                       std::vector<uint32_t>* cands, std::vector<Spec>* all_matches) {
  if (all_matches != nullptr) all_matches->clear();
  const struct btf_type* lt = type_at(local, relo.type_id);
  if (lt == nullptr) return Failure{EINVAL, "type id is out of range"};
  const char* lname = name_at(local, lt->name_off);
  if (lname == nullptr) return Failure{EINVAL, "type name offset is invalid"};

  Spec local_spec;
  const char* access = name_at(local, relo.access_str_off);
  const int perr = parse_local_spec(local, relo.type_id, relo.kind, access, local_spec);
  if (perr != 0) {
    const std::string reason = relo.kind >= kReloKindCount ? "unknown relocation kind " + std::to_string(relo.kind)
                               : access == nullptr         ? "access string offset is invalid"
                                                           : "access string \"" + std::string(access) + "\" is invalid";
    return Failure{EINVAL, reason + " (" + error_text(-perr) + ")"};
  }
  ReloOutcome out;
  if (relo.kind == kTypeIdLocal) {
    out.local.value = out.target.value = relo.type_id;
    return out;
  }
  if (str_empty(lname)) return Failure{EOPNOTSUPP, "relocations against anonymous types are not supported"};

  // The local value is computed where libbpf computes it, after a candidate matched (or none did),
  // so that a candidate's match error is reported first, as bpftool does.
  bool have_local = false;
  auto compute_local = [&]() -> Status {
    if (have_local) return {};
    const Result<ReloValue> v = spec_value(&local_spec, relo.kind);
    if (!v) return v.failure();
    out.local = *v;
    have_local = true;
    return {};
  };

  Spec cand_spec;
  size_t kept = 0;
  for (size_t i = 0; i < cands->size(); i++) {
    const uint32_t cand_id = (*cands)[i];
    const int r = match_candidate(local_spec, target, cand_id, cand_spec);
    if (r < 0)
      return Failure{-r, "error matching candidate #" + std::to_string(i) + " " + type_text(target, cand_id) + ": " +
                             error_text(-r)};
    if (r == 0) continue;
    if (const Status s = compute_local(); !s) return s.failure();
    const Result<ReloValue> value = spec_value(&cand_spec, relo.kind);
    if (!value) return value.failure();
    if (kept == 0) {
      out.target_spec = cand_spec;
      out.target = *value;
    } else if (cand_spec.bit_offset != out.target_spec.bit_offset) {
      return Failure{EINVAL, "field offset ambiguity: candidates " + type_text(target, out.target_spec.root_type_id) +
                                 " and " + type_text(target, cand_id) + " put the field at bit " +
                                 std::to_string(out.target_spec.bit_offset) + " and " +
                                 std::to_string(cand_spec.bit_offset)};
    } else if (value->poison != out.target.poison || value->value != out.target.value) {
      return Failure{EINVAL, "relocation decision ambiguity: candidates " +
                                 type_text(target, out.target_spec.root_type_id) + " and " +
                                 type_text(target, cand_id) + " give " + value_text(out.target) + " and " +
                                 value_text(*value)};
    }
    (*cands)[kept++] = cand_id;
    if (all_matches != nullptr) all_matches->push_back(cand_spec);
  }
  if (kept > 0) {
    cands->resize(kept);
    out.matched = true;
    return out;
  }
  if (const Status s = compute_local(); !s) return s.failure();
  const Result<ReloValue> none = spec_value(nullptr, relo.kind);
  if (!none) return none.failure();
  out.target = *none;
  return out;
}

}  // namespace btfgen
