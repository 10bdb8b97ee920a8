// Relocation values and multi-candidate resolution (spec §9.1–9.4).
//
// For each candidate that matches, the value libbpf would patch is computed; the FIRST matching
// candidate's spec is the one recorded, every later match must agree on bit offset and value
// (else "ambiguity", fatal), and the cached list keeps only the candidates that matched, so later
// records of the same object with the same local type see the narrowed list.
#include "relo/core_relo.h"

#include <cerrno>
#include <string>

#include "relo/btf_util.h"
#include "btfgen/common/error.h"

namespace btfgen {

namespace {

constexpr int kPoison = -EUCLEAN;  // libbpf's internal "poison the instruction" signal

// Why a value could not be computed (the code travels as the return value).
struct Failure {
  std::string message;
};

std::string spec_type_text(const struct btf* b, uint32_t id) {
  const struct btf_type* t = type_at(b, id);
  if (t == nullptr) return "[" + std::to_string(id) + "] <invalid type id>";
  const char* n = name_at(b, t->name_off);
  return "[" + std::to_string(id) + "] " + kind_name(btf_kind(t)) + " " + (str_empty(n) ? "<anon>" : n);
}

// Field value of SPEC (null: no match) for KIND (spec §9.1).
int field_value(const Spec* spec, uint32_t kind, uint64_t& val, Failure& why) {
  if (kind == kFieldExists) {
    val = spec != nullptr ? 1 : 0;
    return 0;
  }
  if (spec == nullptr) return kPoison;
  const struct btf* b = spec->btf;
  const Accessor& acc = spec->acc[spec->len - 1];
  if (acc.name == nullptr) {
    if (kind != kFieldByteOffset && kind != kFieldByteSize) {
      why.message = "this relocation kind can't be applied to an array element access";
      return -EINVAL;
    }
    const long long sz = btf__resolve_size(b, acc.type_id);
    if (sz < 0) {
      why.message = "cannot resolve the size of array element " + spec_type_text(b, acc.type_id);
      return -EINVAL;
    }
    val = kind == kFieldByteOffset ? spec->bit_offset / 8 : static_cast<uint64_t>(sz);
    return 0;
  }
  const struct btf_type* owner = type_at(b, acc.type_id);
  if (owner == nullptr) return -EINVAL;
  const struct btf_member* m = btf_members(owner) + acc.idx;
  TypeRef field = strip(b, m->type);
  if (field.type == nullptr) return -EINVAL;
  const uint32_t bit_off = spec->bit_offset;
  uint32_t bit_sz = btf_member_bitfield_size(owner, acc.idx);
  uint32_t byte_sz, byte_off;
  if (bit_sz > 0) {
    byte_sz = field.type->size;
    if (byte_sz == 0) {
      why.message = "bitfield of zero-sized type " + spec_type_text(b, field.id);
      return -EINVAL;
    }
    byte_off = bit_off / 8 / byte_sz * byte_sz;
    while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
      if (byte_sz >= 8) {
        why.message = "bitfield can't be satisfied by a load of at most 8 bytes";
        return -E2BIG;
      }
      byte_sz *= 2;
      byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
  } else {
    const long long sz = btf__resolve_size(b, field.id);
    if (sz < 0) {
      why.message = "cannot resolve the size of field type " + spec_type_text(b, field.id);
      return -EINVAL;
    }
    byte_sz = static_cast<uint32_t>(sz);
    byte_off = bit_off / 8;
    bit_sz = byte_sz * 8;
  }
  switch (kind) {
    case kFieldByteOffset:
      val = byte_off;
      break;
    case kFieldByteSize:
      val = byte_sz;
      break;
    case kFieldSigned:
      // libbpf 1.1 reads the INT encoding word for any kind (spec §9.1 quirk).
      val = (is_any_enum_kind(btf_kind(field.type)) && btf_kflag(field.type)) ||
            (((word_after_header(field.type) & 0x0f000000) >> 24) & BTF_INT_SIGNED);
      break;
    case kFieldLshiftU64:
      val = static_cast<uint32_t>(64 - (bit_off + bit_sz - byte_off * 8));
      break;
    case kFieldRshiftU64:
      val = static_cast<uint32_t>(64 - bit_sz);
      break;
    default:
      return -EOPNOTSUPP;
  }
  return 0;
}

int type_value(const Spec* spec, uint32_t kind, uint64_t& val, Failure& why) {
  if (spec == nullptr) {
    val = 0;
    return 0;
  }
  switch (kind) {
    case kTypeIdTarget:
      val = spec->root_type_id;
      return 0;
    case kTypeExists:
    case kTypeMatches:
      val = 1;
      return 0;
    case kTypeSize: {
      const long long sz = btf__resolve_size(spec->btf, spec->root_type_id);
      if (sz < 0) {
        why.message = "cannot resolve the size of " + spec_type_text(spec->btf, spec->root_type_id);
        return -EINVAL;
      }
      val = static_cast<uint64_t>(sz);
      return 0;
    }
    default:
      return -EOPNOTSUPP;
  }
}

int enumval_value(const Spec* spec, uint32_t kind, uint64_t& val) {
  if (kind == kEnumvalExists) {
    val = spec != nullptr ? 1 : 0;
    return 0;
  }
  if (kind != kEnumvalValue) return -EOPNOTSUPP;
  if (spec == nullptr) return kPoison;
  const struct btf_type* t = type_at(spec->btf, spec->acc[0].type_id);
  if (t == nullptr) return -EINVAL;
  const uint32_t i = spec->acc[0].idx;
  if (btf_is_enum(t))
    val = static_cast<uint64_t>(static_cast<int64_t>(btf_enum(t)[i].val));
  else
    val = btf_enum64_value(btf_enum64(t) + i);
  return 0;
}

int spec_value(const Spec* spec, uint32_t kind, ReloValue& out, Failure& why) {
  out = ReloValue{};
  int err;
  if (is_field_kind(kind))
    err = field_value(spec, kind, out.value, why);
  else if (is_type_kind(kind))
    err = type_value(spec, kind, out.value, why);
  else if (is_enumval_kind(kind))
    err = enumval_value(spec, kind, out.value);
  else
    err = -EOPNOTSUPP;
  if (err == kPoison) {
    out.poison = true;
    return 0;
  }
  if (err == -EOPNOTSUPP && why.message.empty()) why.message = "unsupported relocation kind";
  return err;
}

// Local value, then candidate (or none) value; the first error wins.
int compute(const Spec& local, const Spec* cand, ReloValue& local_val, ReloValue& cand_val, Failure& why) {
  int err = spec_value(&local, local.kind, local_val, why);
  if (err == 0) err = spec_value(cand, local.kind, cand_val, why);
  return err;
}

std::string value_text(const ReloValue& v) {
  return std::string(v.poison ? "failure " : "success ") + std::to_string(v.value);
}

}  // namespace

std::string describe_relo(const struct btf* local, const CoreRelo& relo) {
  const char* access = name_at(local, relo.access_str_off);
  return std::string("<") + relo_kind_name(relo.kind) + "> " + spec_type_text(local, relo.type_id) + " + " +
         (access != nullptr ? access : "<?>");
}

ReloOutcome resolve_relocation(const struct btf* local, const CoreRelo& relo, const ReloSite& site,
                               const struct btf* target, std::vector<uint32_t>* cands) {
  auto fail = [&](int code, const std::string& what) -> Error {
    return Error(code, *site.object + ": prog '" + *site.section + "' relo #" + std::to_string(site.index) +
                           " " + describe_relo(local, relo) + ": " + what);
  };

  const struct btf_type* lt = type_at(local, relo.type_id);
  if (lt == nullptr) throw fail(EINVAL, "type id is out of range");
  const char* lname = name_at(local, lt->name_off);
  if (lname == nullptr) throw fail(EINVAL, "type name offset is invalid");

  ReloOutcome out;
  Spec local_spec;
  const char* access = name_at(local, relo.access_str_off);
  const int perr = parse_local_spec(local, relo.type_id, relo.kind, access, local_spec);
  if (perr != 0) {
    const std::string reason = relo.kind > kTypeMatches ? "unknown relocation kind " + std::to_string(relo.kind)
                               : access == nullptr ? "access string offset is invalid"
                                                   : "access string \"" + std::string(access) + "\" is invalid";
    throw fail(EINVAL, reason + " (" + error_text(-perr) + ")");
  }
  if (relo.kind == kTypeIdLocal) {
    out.local.value = out.target.value = relo.type_id;
    return out;
  }
  if (str_empty(lname)) throw fail(EOPNOTSUPP, "relocations against anonymous types are not supported");

  Failure why;
  Spec cand_spec;
  ReloValue local_val, cand_val;
  size_t kept = 0;
  for (size_t i = 0; i < cands->size(); i++) {
    const uint32_t cand_id = (*cands)[i];
    const int r = match_candidate(local_spec, target, cand_id, cand_spec);
    if (r < 0)
      throw fail(-r, "error matching candidate #" + std::to_string(i) + " " + spec_type_text(target, cand_id) +
                         ": " + error_text(-r));
    if (r == 0) continue;
    const int err = compute(local_spec, &cand_spec, local_val, cand_val, why);
    if (err != 0) throw fail(-err, why.message.empty() ? error_text(-err) : why.message);
    if (kept == 0) {
      out.target_spec = cand_spec;
      out.local = local_val;
      out.target = cand_val;
    } else if (cand_spec.bit_offset != out.target_spec.bit_offset) {
      throw fail(EINVAL, "field offset ambiguity: candidates " +
                             spec_type_text(target, out.target_spec.root_type_id) + " and " +
                             spec_type_text(target, cand_id) + " put the field at bit " +
                             std::to_string(out.target_spec.bit_offset) + " and " +
                             std::to_string(cand_spec.bit_offset));
    } else if (cand_val.poison != out.target.poison || cand_val.value != out.target.value) {
      throw fail(EINVAL, "relocation decision ambiguity: candidates " +
                             spec_type_text(target, out.target_spec.root_type_id) + " and " +
                             spec_type_text(target, cand_id) + " give " + value_text(out.target) + " and " +
                             value_text(cand_val));
    }
    (*cands)[kept++] = cand_id;
  }
  if (kept > 0) {
    cands->resize(kept);
    out.matched = true;
    return out;
  }
  out.target_spec = Spec{};
  const int err = compute(local_spec, nullptr, local_val, cand_val, why);
  if (err != 0) throw fail(-err, why.message.empty() ? error_text(-err) : why.message);
  out.local = local_val;
  out.target = cand_val;
  return out;
}

}  // namespace btfgen
