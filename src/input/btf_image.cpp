#include "input/btf_image.h"

#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "btfgen/common/error.h"
#include "input/elf_handle.h"
#include "input/format.h"

namespace btfgen {

namespace {

std::string cap_text(uint64_t cap) { return "the limit of " + std::to_string(cap) + " bytes (--max-input-size)"; }

Result<BtfPtr> btf_from_raw(const void* data, size_t size) {
  if (size > kMaxBtfSize) return Failure{EFBIG, "BTF of " + std::to_string(size) + " bytes is too large"};
  errno = 0;
  struct btf* b = btf__new(data, static_cast<uint32_t>(size));
  if (b == nullptr) {
    const int err = errno != 0 ? errno : EINVAL;
    return Failure{err, "invalid BTF data (" + error_text(err) + ")"};
  }
  return BtfPtr(b);
}

Failure elf_format(const std::string& what) { return {kElfFormatError, what}; }

// Rule 3 and 4 on an ELF libelf opened (from a descriptor or from memory).
Result<BtfImage> parse_elf(Elf* elf, bool want_ext, uint64_t max_size) {
  GElf_Ehdr ehdr;
  size_t shstrndx = 0;
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &ehdr) == nullptr)
    return elf_format("neither raw BTF nor an ELF file");
  if (elf_getshdrstrndx(elf, &shstrndx) != 0 || elf_rawdata(elf_getscn(elf, shstrndx), nullptr) == nullptr)
    return elf_format("ELF section names cannot be read");
  Elf_Scn* btf_scn = nullptr;
  Elf_Scn* ext_scn = nullptr;
  int index = 0;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    index++;
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) != &sh)
      return elf_format("ELF section " + std::to_string(index) + " header cannot be read");
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name == nullptr) return elf_format("ELF section " + std::to_string(index) + " name cannot be read");
    if (std::strcmp(name, ".BTF") == 0) btf_scn = scn;
    if (want_ext && std::strcmp(name, ".BTF.ext") == 0) ext_scn = scn;
  }
  if (btf_scn == nullptr) return Failure{ENOENT, "no .BTF section (an ELF file without BTF; compile with clang -g)"};
  GElf_Shdr sh;
  gelf_getshdr(btf_scn, &sh);
  if (sh.sh_type == SHT_NOBITS) return Failure{EINVAL, "section .BTF holds no bytes in the file (SHT_NOBITS)"};
  if (sh.sh_size > max_size)
    return Failure{EFBIG, "section .BTF claims " + std::to_string(sh.sh_size) + " bytes, above " + cap_text(max_size)};
  Elf_Data* data = elf_getdata(btf_scn, nullptr);
  if (data == nullptr || (data->d_buf == nullptr && data->d_size != 0))
    return elf_format("section .BTF cannot be read (it lies outside the file?)");
  Elf_Data* ext_data = nullptr;
  if (ext_scn != nullptr) {
    ext_data = elf_getdata(ext_scn, nullptr);
    if (ext_data == nullptr || (ext_data->d_buf == nullptr && ext_data->d_size != 0))
      return elf_format("section .BTF.ext cannot be read (it lies outside the file?)");
  }
  Result<BtfPtr> btf = btf_from_raw(data->d_buf, data->d_size);
  if (!btf) return btf.failure();
  btf__set_pointer_size(btf->get(), gelf_getclass(elf) == ELFCLASS32 ? 4 : 8);
  BtfImage image{.btf = std::move(*btf)};
  if (ext_data != nullptr) {
    errno = 0;
    image.ext.reset(
        btf_ext__new(static_cast<const uint8_t*>(ext_data->d_buf), static_cast<uint32_t>(ext_data->d_size)));
    if (!image.ext) {
      const int err = errno != 0 ? errno : EINVAL;
      return Failure{err, "invalid .BTF.ext section (" + error_text(err) + ")"};
    }
    const auto* p = static_cast<const uint8_t*>(ext_data->d_buf);
    image.ext_bytes.assign(p, p + ext_data->d_size);
  }
  return image;
}

bool libelf_ready() { return elf_version(EV_CURRENT) != EV_NONE; }

}  // namespace

Result<BtfImage> parse_btf_bytes(std::span<const uint8_t> bytes, bool want_ext, uint64_t max_size) {
  if (bytes.size() < 2) return Failure{EIO, "too short to hold BTF"};
  if (sniff_format(bytes) == InputFormat::RawBtf) {
    if (bytes.size() > max_size)
      return Failure{EFBIG, "raw BTF of " + std::to_string(bytes.size()) + " bytes, above " + cap_text(max_size)};
    Result<BtfPtr> btf = btf_from_raw(bytes.data(), bytes.size());
    if (!btf) return btf.failure();
    return BtfImage{.btf = std::move(*btf)};
  }
  if (!libelf_ready()) return Failure{kLibelfError, "libelf cannot be initialised"};
  ElfPtr elf(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()));
  return parse_elf(elf.get(), want_ext, max_size);
}

Result<BtfImage> parse_btf_file(int fd, uint64_t file_size, bool want_ext, uint64_t max_size) {
  uint8_t magic[2];
  const ssize_t got = pread(fd, magic, sizeof(magic), 0);
  if (got < 0) return Failure{errno, std::string("cannot read: ") + std::strerror(errno)};
  if (got < 2) return Failure{EIO, "too short to hold BTF"};
  if (sniff_format(magic) == InputFormat::RawBtf) {
    if (file_size > max_size)
      return Failure{EFBIG, "raw BTF of " + std::to_string(file_size) + " bytes, above " + cap_text(max_size)};
    std::vector<uint8_t> bytes(file_size);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0) return Failure{errno, std::string("cannot read: ") + std::strerror(errno)};
      if (n == 0) return Failure{EIO, "the file shrank while it was read"};
      done += static_cast<size_t>(n);
    }
    Result<BtfPtr> btf = btf_from_raw(bytes.data(), bytes.size());
    if (!btf) return btf.failure();
    return BtfImage{.btf = std::move(*btf)};
  }
  if (!libelf_ready()) return Failure{kLibelfError, "libelf cannot be initialised"};
  // ELF_C_READ, as libbpf: headers now, section data read on demand with pread (no mapping that
  // a concurrent truncation could turn into SIGBUS).
  ElfPtr elf(elf_begin(fd, ELF_C_READ, nullptr));
  return parse_elf(elf.get(), want_ext, max_size);
}

}  // namespace btfgen
