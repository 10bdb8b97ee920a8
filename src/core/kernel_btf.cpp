// Kernel BTF input: raw .btf, ELF (vmlinux) with a .BTF section, or a btfhub tarball read in memory.
#include "btfgen/kernel_btf.h"

#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <gelf.h>
#include <libelf.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "btfgen/error.h"

namespace btfgen {

namespace {

struct ArchiveDeleter {
  void operator()(struct archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

struct ElfDeleter {
  void operator()(Elf* e) const noexcept { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfDeleter>;

constexpr uint16_t kBtfMagic = 0xEB9F;
constexpr uint16_t kBtfMagicSwapped = 0x9FEB;

BtfPtr btf_from_raw(const void* data, size_t size, const std::string& origin) {
  errno = 0;
  struct btf* b = btf__new(data, static_cast<uint32_t>(size));
  if (b == nullptr) {
    const int err = errno != 0 ? errno : EINVAL;
    throw Error(err, origin + ": invalid BTF data (" + error_text(err) + ")");
  }
  return BtfPtr(b);
}

// The ELF path of libbpf's btf__parse, from memory: the last section named ".BTF" wins.
BtfPtr btf_from_elf(const std::vector<uint8_t>& bytes, const std::string& origin) {
  if (elf_version(EV_CURRENT) == EV_NONE) throw Error(kLibelfError, origin + ": libelf init failed");
  ElfPtr elf(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()));
  GElf_Ehdr ehdr;
  size_t shstrndx = 0;
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF || gelf_getehdr(elf.get(), &ehdr) == nullptr ||
      elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
    throw Error(kElfFormatError, origin + ": neither raw BTF nor an ELF file");
  Elf_Data* btf_data = nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) throw Error(kElfFormatError, origin + ": bad ELF section header");
    const char* name = elf_strptr(elf.get(), shstrndx, sh.sh_name);
    if (name == nullptr) throw Error(kElfFormatError, origin + ": bad ELF section name");
    if (std::strcmp(name, ".BTF") == 0) {
      btf_data = elf_getdata(scn, nullptr);
      if (btf_data == nullptr) throw Error(kLibelfError, origin + ": cannot read section .BTF");
    }
  }
  if (btf_data == nullptr) throw Error(ENOENT, origin + ": ELF file has no .BTF section");
  BtfPtr b = btf_from_raw(btf_data->d_buf, btf_data->d_size, origin + " (.BTF)");
  btf__set_pointer_size(b.get(), gelf_getclass(elf.get()) == ELFCLASS32 ? 4 : 8);
  return b;
}

}  // namespace

bool is_tarball_path(const std::string& path) {
  for (std::string_view suffix : {".tar.xz", ".tar.gz", ".tar", ".tgz", ".txz", ".tar.zst"})
    if (std::string_view(path).ends_with(suffix)) return true;
  return false;
}

BtfPtr parse_kernel_btf(const std::vector<uint8_t>& bytes, const std::string& origin) {
  if (bytes.size() < 2) throw Error(EIO, origin + ": too short to hold BTF");
  uint16_t magic;
  std::memcpy(&magic, bytes.data(), 2);
  if (magic == kBtfMagic || magic == kBtfMagicSwapped) return btf_from_raw(bytes.data(), bytes.size(), origin);
  return btf_from_elf(bytes, origin);
}

std::vector<uint8_t> read_btf_from_tarball(const std::string& path) {
  ArchivePtr a(archive_read_new());
  if (!a) throw Error(ENOMEM, path + ": cannot allocate archive reader");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    const int err = archive_errno(a.get()) > 0 ? archive_errno(a.get()) : EIO;
    throw Error(err, path + ": cannot open tarball: " + archive_error_string(a.get()));
  }
  struct archive_entry* entry = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a.get());
      throw Error(EIO, path + ": corrupt tarball: " + (msg ? msg : "unreadable header"));
    }
    const char* name = archive_entry_pathname(entry);
    if (archive_entry_filetype(entry) != AE_IFREG || name == nullptr || !std::string_view(name).ends_with(".btf")) {
      archive_read_data_skip(a.get());
      continue;
    }
    // Decompress straight into one buffer sized from the header (grown if the header lied).
    std::vector<uint8_t> bytes(archive_entry_size_is_set(entry) ? static_cast<size_t>(archive_entry_size(entry)) : 0);
    size_t filled = 0;
    uint8_t probe[4096];  // reads past the declared size land here first, so an exact size costs no copy
    for (;;) {
      const bool full = filled == bytes.size();
      uint8_t* dst = full ? probe : bytes.data() + filled;
      const la_ssize_t n = archive_read_data(a.get(), dst, full ? sizeof(probe) : bytes.size() - filled);
      if (n == 0) break;
      if (n < 0) {
        const char* msg = archive_error_string(a.get());
        throw Error(EIO, path + ": corrupt tarball member " + name + ": " + (msg ? msg : "read error"));
      }
      if (full) bytes.insert(bytes.end(), probe, probe + n);
      filled += static_cast<size_t>(n);
    }
    return bytes;
  }
  throw Error(ENOENT, path + ": tarball has no *.btf member");
}

BtfPtr load_kernel_btf(const std::string& path) {
  if (is_tarball_path(path)) return parse_kernel_btf(read_btf_from_tarball(path), path);
  errno = 0;
  struct btf* b = btf__parse(path.c_str(), nullptr);
  if (b == nullptr) {
    const int err = errno != 0 ? errno : EINVAL;
    std::string why = err == ENOENT ? "no such file, or an ELF file without a .BTF section"
                      : err == kElfFormatError ? "neither raw BTF nor an ELF file"
                      : err == EIO ? "too short to hold BTF"
                      : "invalid BTF (" + error_text(err) + ")";
    throw Error(err, path + ": cannot read kernel BTF: " + why);
  }
  return BtfPtr(b);
}

}  // namespace btfgen
