// Reads the CO-RE relocation subsection of a .BTF.ext section.
//
// libbpf (btf_ext__new) has already validated the layout when an object reaches us, but this reader
// trusts nothing: every field is read through a bounds-checked cursor and every error names the
// file, the subsection and the byte offset. Layout (all little-endian u32 unless noted):
//
//   header: u16 magic 0xEB9F, u8 version, u8 flags, hdr_len, func_info_off/len, line_info_off/len,
//           core_relo_off/len (only when hdr_len >= 32); offsets are relative to byte hdr_len.
//   core_relo subsection: rec_size, then sections { sec_name_off, num_info, num_info * rec_size }.
//   Each record starts with insn_off, type_id, access_str_off, kind; larger records are allowed.
#include "input/btf_ext_reader.h"

#include <bpf/btf.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "btfgen/common/error.h"
#include "common/btf_util.h"

namespace btfgen {

namespace {

constexpr uint32_t kCoreReloMinSize = 16;

class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& origin) : data_(data), size_(size), origin_(origin) {}

  uint32_t u32_at(size_t off, const char* what) const {
    if (off > size_ || size_ - off < 4) fail(off, std::string("truncated ") + what);
    uint32_t v;
    std::memcpy(&v, data_ + off, 4);
    return v;
  }

  [[noreturn]] void fail(size_t off, const std::string& what) const {
    throw Error(EINVAL, origin_ + ": section .BTF.ext, offset " + std::to_string(off) + ": " + what);
  }

  size_t size() const { return size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  const std::string& origin_;
};

}  // namespace

std::vector<CoreReloSection> read_core_relos(const uint8_t* data, size_t size, const struct btf* obj_btf,
                                             const std::string& origin) {
  Cursor cur(data, size, origin);
  std::vector<CoreReloSection> sections;
  if (size < 8) cur.fail(0, "header is truncated");
  uint16_t magic;
  std::memcpy(&magic, data, 2);
  if (magic != kBtfMagic) cur.fail(0, "bad magic");
  const uint32_t hdr_len = cur.u32_at(4, "header length");
  if (hdr_len < 32) return sections;  // no core_relo fields in the header: no CO-RE relocations
  const uint32_t off = cur.u32_at(24, "core_relo offset");
  const uint32_t len = cur.u32_at(28, "core_relo length");
  if (len == 0) return sections;
  const uint64_t begin = uint64_t{hdr_len} + off;
  const uint64_t end = begin + len;
  if (end > size) cur.fail(begin, "core_relo subsection runs past the end of the section");
  const uint32_t rec_size = cur.u32_at(begin, "core_relo record size");
  if (rec_size < kCoreReloMinSize || rec_size % 4 != 0)
    cur.fail(begin, "core_relo record size " + std::to_string(rec_size) + " is invalid");
  uint64_t pos = begin + 4;
  while (pos < end) {
    if (end - pos < 8) cur.fail(pos, "truncated core_relo section header");
    const uint32_t sec_name_off = cur.u32_at(pos, "section name offset");
    const uint32_t num = cur.u32_at(pos + 4, "record count");
    if (num == 0) cur.fail(pos, "core_relo section with no records");
    const uint64_t bytes = uint64_t{num} * rec_size;
    if (bytes > end - pos - 8) cur.fail(pos, "core_relo records run past the subsection");
    CoreReloSection sec;
    const char* name = btf__name_by_offset(obj_btf, sec_name_off);
    sec.name = name != nullptr ? name : "(null)";
    sec.relos.reserve(num);
    for (uint64_t r = pos + 8; r < pos + 8 + bytes; r += rec_size) {
      CoreRelo relo;
      relo.insn_off = cur.u32_at(r, "record");
      relo.type_id = cur.u32_at(r + 4, "record");
      relo.access_str_off = cur.u32_at(r + 8, "record");
      relo.kind = cur.u32_at(r + 12, "record");
      sec.relos.push_back(relo);
    }
    sections.push_back(std::move(sec));
    pos += 8 + bytes;
  }
  if (pos != end) cur.fail(pos, "trailing bytes in core_relo subsection");
  return sections;
}

}  // namespace btfgen
