#include "minimize/emitter.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include "relo/btf_util.h"
#include "btfgen/common/error.h"
#include "minimize/marker.h"

namespace btfgen {

namespace {

constexpr uint16_t kBtfMagic = 0xEB9F;
constexpr uint32_t kHeaderLen = 24;

// The output string section: offset 0 is "", identical strings share one offset, no suffix sharing.
class StringTable {
 public:
  StringTable() : bytes_(1, '\0') {}

  uint32_t intern(std::string_view s) {
    if (s.empty()) return 0;
    const auto [it, added] = offsets_.try_emplace(std::string(s), static_cast<uint32_t>(bytes_.size()));
    if (added) {
      bytes_.insert(bytes_.end(), s.begin(), s.end());
      bytes_.push_back('\0');
    }
    return it->second;
  }

  const std::vector<char>& bytes() const { return bytes_; }

 private:
  std::vector<char> bytes_;
  std::unordered_map<std::string, uint32_t> offsets_;
};

template <typename T>
void append(std::vector<uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

[[noreturn]] void generation_error(const std::string& what) {
  throw Error(EINVAL, "error generating BTF: " + what);
}

// A string copied from a non-composite record: offset 0 stays 0; an out-of-range offset is a
// crash in bpftool, an error here.
uint32_t copy_string(const struct btf* src, uint32_t off, StringTable& strings, uint32_t id) {
  if (off == 0) return 0;
  const char* s = name_at(src, off);
  if (s == nullptr) generation_error("type [" + std::to_string(id) + "] has an invalid name offset");
  return strings.intern(s);
}

// A composite's own or member name: an out-of-range offset becomes anonymous.
uint32_t composite_string(const struct btf* src, uint32_t off, StringTable& strings) {
  const char* s = name_at(src, off);
  return s == nullptr ? 0 : strings.intern(s);
}

}  // namespace

std::vector<uint8_t> emit_minimized_btf(const Marker& marks) {
  const struct btf* src = marks.target();
  const uint32_t n = btf__type_cnt(src);
  std::vector<uint32_t> new_ids(n, 0);
  std::vector<uint8_t> types;
  StringTable strings;
  // Byte offsets in `types` of the type-reference fields to remap once all ids are known.
  std::vector<size_t> refs;

  uint32_t next_id = 1;
  for (uint32_t id = 1; id < n; id++) {
    if (!marks.type_marked(id)) continue;
    const struct btf_type* t = btf__type_by_id(src, id);
    const uint16_t kind = btf_kind(t);
    if (btf_is_composite(t)) {
      const size_t head = types.size();
      struct btf_type out_t = {};
      out_t.name_off = composite_string(src, t->name_off, strings);
      out_t.size = t->size;
      append(types, out_t);
      uint32_t vlen = 0;
      bool kflag = false;
      const struct btf_member* m = btf_members(t);
      const bool is_union = kind == BTF_KIND_UNION;
      for (uint16_t i = 0; i < btf_vlen(t); i++) {
        if (!marks.member_marked(id, i)) continue;
        const uint32_t bo = btf_member_bit_offset(t, i);
        const uint32_t bs = btf_member_bitfield_size(t, i);
        const bool bitfieldish = bs != 0 || bo % 8 != 0;
        if (bitfieldish && (bs == 0 || bs > 255 || bo > 0xffffff))
          generation_error("member #" + std::to_string(i) + " of [" + std::to_string(id) +
                           "] is an old-style bitfield (bit offset " + std::to_string(bo) +
                           " in a struct without kind_flag)");
        if (is_union && bo != 0)
          generation_error("member #" + std::to_string(i) + " of union [" + std::to_string(id) +
                           "] has non-zero bit offset " + std::to_string(bo));
        if (m[i].type > 0x7fffffffu) generation_error("member type id out of range in [" + std::to_string(id) + "]");
        struct btf_member out_m;
        out_m.name_off = composite_string(src, m[i].name_off, strings);
        out_m.type = m[i].type;
        out_m.offset = bo | (bs << 24);
        refs.push_back(types.size() + offsetof(struct btf_member, type));
        append(types, out_m);
        vlen++;
        kflag = kflag || bitfieldish;
      }
      const uint32_t info = (uint32_t{kflag} << 31) | (uint32_t{kind} << 24) | vlen;
      std::memcpy(types.data() + head + offsetof(struct btf_type, info), &info, sizeof(info));
    } else {
      const long size = record_size(t);
      if (size < 0) generation_error("type [" + std::to_string(id) + "] has unknown kind " + std::to_string(kind));
      const size_t head = types.size();
      const auto* bytes = reinterpret_cast<const uint8_t*>(t);
      types.insert(types.end(), bytes, bytes + size);
      // Strings in libbpf's visiting order: the name, then enumerators or parameters.
      const uint32_t name = copy_string(src, t->name_off, strings, id);
      std::memcpy(types.data() + head + offsetof(struct btf_type, name_off), &name, 4);
      const size_t extra = head + sizeof(struct btf_type);
      switch (kind) {
        case BTF_KIND_ENUM:
          for (uint16_t i = 0; i < btf_vlen(t); i++) {
            const uint32_t off = copy_string(src, btf_enum(t)[i].name_off, strings, id);
            std::memcpy(types.data() + extra + i * sizeof(struct btf_enum), &off, 4);
          }
          break;
        case BTF_KIND_ENUM64:
          for (uint16_t i = 0; i < btf_vlen(t); i++) {
            const uint32_t off = copy_string(src, btf_enum64(t)[i].name_off, strings, id);
            std::memcpy(types.data() + extra + i * sizeof(struct btf_enum64), &off, 4);
          }
          break;
        case BTF_KIND_FUNC_PROTO:
          for (uint16_t i = 0; i < btf_vlen(t); i++) {
            const uint32_t off = copy_string(src, btf_params(t)[i].name_off, strings, id);
            std::memcpy(types.data() + extra + i * sizeof(struct btf_param), &off, 4);
            refs.push_back(extra + i * sizeof(struct btf_param) + offsetof(struct btf_param, type));
          }
          refs.push_back(head + offsetof(struct btf_type, type));
          break;
        case BTF_KIND_ARRAY:
          refs.push_back(extra + offsetof(struct btf_array, type));
          refs.push_back(extra + offsetof(struct btf_array, index_type));
          break;
        case BTF_KIND_PTR:
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
        case BTF_KIND_FWD:
        case BTF_KIND_FUNC:
        case BTF_KIND_VAR:
        case BTF_KIND_DECL_TAG:
          refs.push_back(head + offsetof(struct btf_type, type));
          break;
        default:
          break;
      }
    }
    new_ids[id] = next_id++;
  }

  for (size_t off : refs) {
    uint32_t old_id;
    std::memcpy(&old_id, types.data() + off, 4);
    if (old_id >= n) generation_error("dangling type id " + std::to_string(old_id) + " in target BTF");
    const uint32_t new_id = new_ids[old_id];
    std::memcpy(types.data() + off, &new_id, 4);
  }

  const std::vector<char>& str = strings.bytes();
  std::vector<uint8_t> out;
  out.reserve(kHeaderLen + types.size() + str.size());
  append(out, kBtfMagic);
  append(out, uint8_t{1});  // version
  append(out, uint8_t{0});  // flags
  append(out, kHeaderLen);
  append(out, uint32_t{0});                               // type_off
  append(out, static_cast<uint32_t>(types.size()));       // type_len
  append(out, static_cast<uint32_t>(types.size()));       // str_off
  append(out, static_cast<uint32_t>(str.size()));         // str_len
  out.insert(out.end(), types.begin(), types.end());
  out.insert(out.end(), str.begin(), str.end());
  return out;
}

}  // namespace btfgen
