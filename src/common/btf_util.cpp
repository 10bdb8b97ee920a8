#include "common/btf_util.h"

namespace btfgen {

const char* kind_name(uint16_t kind) {
  static constexpr const char* kNames[] = {"void", "int",     "ptr",      "array",    "struct",   "union", "enum",
                                           "fwd",  "typedef", "volatile", "const",    "restrict", "func",  "func_proto",
                                           "var",  "datasec", "float",    "decl_tag", "type_tag", "enum64"};
  return kind < sizeof(kNames) / sizeof(kNames[0]) ? kNames[kind] : "unknown";
}

long record_size(const struct btf_type* t) {
  const long base = sizeof(struct btf_type);
  const long vlen = btf_vlen(t);
  switch (btf_kind(t)) {
    case BTF_KIND_FWD:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_PTR:
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_FUNC:
    case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
      return base;
    case BTF_KIND_INT:
      return base + 4;
    case BTF_KIND_ENUM:
      return base + vlen * static_cast<long>(sizeof(struct btf_enum));
    case BTF_KIND_ENUM64:
      return base + vlen * static_cast<long>(sizeof(struct btf_enum64));
    case BTF_KIND_ARRAY:
      return base + static_cast<long>(sizeof(struct btf_array));
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
      return base + vlen * static_cast<long>(sizeof(struct btf_member));
    case BTF_KIND_FUNC_PROTO:
      return base + vlen * static_cast<long>(sizeof(struct btf_param));
    case BTF_KIND_VAR:
      return base + static_cast<long>(sizeof(struct btf_var));
    case BTF_KIND_DATASEC:
      return base + vlen * static_cast<long>(sizeof(struct btf_var_secinfo));
    case BTF_KIND_DECL_TAG:
      return base + static_cast<long>(sizeof(struct btf_decl_tag));
    default:
      return -1;
  }
}

}  // namespace btfgen
