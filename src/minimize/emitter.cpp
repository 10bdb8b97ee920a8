#include "minimize/emitter.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/btf_util.h"
#include "minimize/marker.h"

namespace btfgen {

namespace {

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

void put_u32(std::vector<uint8_t>& out, size_t at, uint32_t v) { std::memcpy(out.data() + at, &v, sizeof(v)); }

Failure generation_error(const std::string& what) { return {EINVAL, "error generating BTF: " + what}; }

// The four steps of emission, in order: every marked type appended (emit), type references
// renumbered (remap), then header + types + strings (serialize).
class Emitter {
 public:
  explicit Emitter(const Marker& marks)
      : marks_(marks), src_(marks.target()), count_(btf__type_cnt(src_)), new_ids_(count_, 0) {}

  Result<std::vector<uint8_t>> run() {
    uint32_t next_id = 1;
    for (uint32_t id = 1; id < count_; id++) {
      if (!marks_.type_marked(id)) continue;
      const struct btf_type* t = btf__type_by_id(src_, id);
      const Status s = btf_is_composite(t) ? emit_composite(id, t) : emit_other(id, t);
      if (!s) return s.failure();
      new_ids_[id] = next_id++;
    }
    if (const Status s = remap(); !s) return s.failure();
    return serialize();
  }

 private:
  // A STRUCT or UNION with only its marked members, checked as libbpf's btf__add_field checks
  // them (spec §11.2); names at invalid offsets become anonymous, as in bpftool.
  Status emit_composite(uint32_t id, const struct btf_type* t) {
    const size_t head = types_.size();
    struct btf_type out_t = {};
    out_t.name_off = composite_string(t->name_off);
    out_t.size = t->size;
    append(types_, out_t);
    uint32_t vlen = 0;
    bool kflag = false;
    const struct btf_member* m = btf_members(t);
    const bool is_union = btf_kind(t) == BTF_KIND_UNION;
    for (uint16_t i = 0; i < btf_vlen(t); i++) {
      if (!marks_.member_marked(id, i)) continue;
      const uint32_t bo = btf_member_bit_offset(t, i);
      const uint32_t bs = btf_member_bitfield_size(t, i);
      const bool bitfieldish = bs != 0 || bo % 8 != 0;
      const std::string member = "member #" + std::to_string(i) + " of [" + std::to_string(id) + "]";
      if (bitfieldish && (bs == 0 || bs > 255 || bo > 0xffffff))
        return generation_error(member + " is an old-style bitfield (bit offset " + std::to_string(bo) +
                                " in a struct without kind_flag)");
      if (is_union && bo != 0)
        return generation_error(member + " of a union has non-zero bit offset " + std::to_string(bo));
      if (m[i].type > 0x7fffffffu) return generation_error(member + " has an out-of-range type id");
      struct btf_member out_m;
      out_m.name_off = composite_string(m[i].name_off);
      out_m.type = m[i].type;
      out_m.offset = bo | (bs << 24);
      refs_.push_back(types_.size() + offsetof(struct btf_member, type));
      append(types_, out_m);
      vlen++;
      kflag = kflag || bitfieldish;
    }
    put_u32(types_, head + offsetof(struct btf_type, info),
            (uint32_t{kflag} << 31) | (uint32_t{btf_kind(t)} << 24) | vlen);
    return {};
  }

  // Any other kind, copied whole; its strings re-interned in libbpf's visiting order (the name,
  // then enumerators or parameters) and its type references noted for remap().
  Status emit_other(uint32_t id, const struct btf_type* t) {
    const long size = record_size(t);
    if (size < 0)
      return generation_error("type [" + std::to_string(id) + "] has unknown kind " + std::to_string(btf_kind(t)));
    const size_t head = types_.size();
    const auto* bytes = reinterpret_cast<const uint8_t*>(t);
    types_.insert(types_.end(), bytes, bytes + size);
    const size_t extra = head + sizeof(struct btf_type);
    auto copy_string = [&](uint32_t off, size_t at) -> Status {
      if (off == 0) return {};
      const char* s = name_at(src_, off);
      // An invalid offset crashes bpftool here; it is an error for us.
      if (s == nullptr) return generation_error("type [" + std::to_string(id) + "] has an invalid name offset");
      put_u32(types_, at, strings_.intern(s));
      return {};
    };
    if (Status s = copy_string(t->name_off, head + offsetof(struct btf_type, name_off)); !s) return s;
    switch (btf_kind(t)) {
      case BTF_KIND_ENUM:
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          if (Status s = copy_string(btf_enum(t)[i].name_off, extra + i * sizeof(struct btf_enum)); !s) return s;
        break;
      case BTF_KIND_ENUM64:
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          if (Status s = copy_string(btf_enum64(t)[i].name_off, extra + i * sizeof(struct btf_enum64)); !s) return s;
        break;
      case BTF_KIND_FUNC_PROTO:
        for (uint16_t i = 0; i < btf_vlen(t); i++) {
          if (Status s = copy_string(btf_params(t)[i].name_off, extra + i * sizeof(struct btf_param)); !s) return s;
          refs_.push_back(extra + i * sizeof(struct btf_param) + offsetof(struct btf_param, type));
        }
        refs_.push_back(head + offsetof(struct btf_type, type));
        break;
      case BTF_KIND_ARRAY:
        refs_.push_back(extra + offsetof(struct btf_array, type));
        refs_.push_back(extra + offsetof(struct btf_array, index_type));
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
        refs_.push_back(head + offsetof(struct btf_type, type));
        break;
      default:
        break;
    }
    return {};
  }

  // A composite's own or member name: an out-of-range offset becomes anonymous.
  uint32_t composite_string(uint32_t off) {
    const char* s = name_at(src_, off);
    return s == nullptr ? 0 : strings_.intern(s);
  }

  // Every noted reference to its new id; an unmarked type becomes 0 (void).
  Status remap() {
    for (const size_t at : refs_) {
      uint32_t old_id;
      std::memcpy(&old_id, types_.data() + at, sizeof(old_id));
      if (old_id >= count_) return generation_error("dangling type id " + std::to_string(old_id) + " in target BTF");
      put_u32(types_, at, new_ids_[old_id]);
    }
    return {};
  }

  std::vector<uint8_t> serialize() const {
    const std::vector<char>& str = strings_.bytes();
    std::vector<uint8_t> out;
    out.reserve(kHeaderLen + types_.size() + str.size());
    append(out, kBtfMagic);
    append(out, uint8_t{1});  // version
    append(out, uint8_t{0});  // flags
    append(out, kHeaderLen);
    append(out, uint32_t{0});                           // type_off
    append(out, static_cast<uint32_t>(types_.size()));  // type_len
    append(out, static_cast<uint32_t>(types_.size()));  // str_off
    append(out, static_cast<uint32_t>(str.size()));     // str_len
    out.insert(out.end(), types_.begin(), types_.end());
    out.insert(out.end(), str.begin(), str.end());
    return out;
  }

  const Marker& marks_;
  const struct btf* src_;
  const uint32_t count_;
  std::vector<uint32_t> new_ids_;
  std::vector<uint8_t> types_;
  StringTable strings_;
  std::vector<size_t> refs_;  // byte offsets in types_ of the type references to renumber
};

}  // namespace

Result<std::vector<uint8_t>> emit_minimized_btf(const Marker& marks) { return Emitter(marks).run(); }

}  // namespace btfgen
