// Kernel BTF input: raw .btf, ELF (vmlinux) with a .BTF section, or a tarball read in memory.
//
// Rules, in order:
//   1. The format comes from the first bytes, never from the name: a raw BTF called x.tar.xz is
//      raw BTF (bpftool reads it too), a btfhub tarball called x.btf is a tarball.
//   2. Raw BTF and ELF files are parsed by libbpf's btf__parse (bpftool's exact acceptance), after
//      two checks libbpf 1.1 lacks: the size is within the cap, and an ELF's .BTF section has
//      bytes in the file (a SHT_NOBITS .BTF makes libbpf copy from a null pointer).
//   3. A tarball is streamed through libarchive (xz, gzip, zstd, bzip2; no external programs).
//      The first regular "*.btf" member is the BTF. The member size in its header is a claim:
//      above the cap it is refused at once, below it only reserves memory, and every byte that
//      arrives is counted against the cap. The whole decompressed stream is capped too (an xz bomb
//      hidden in members that are skipped), and the cancel flag is checked between blocks.
#include "btfgen/input/kernel_btf.h"

#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "btfgen/common/error.h"
#include "common/fd.h"

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

constexpr size_t kSniffBytes = 512;
constexpr size_t kReadChunk = size_t{1} << 20;  // between two cancel checks

std::string cap_text(uint64_t cap) {
  return "the limit of " + std::to_string(cap) + " bytes (--max-input-size)";
}

void check_cancel(const InputLimits& limits, const std::string& origin) {
  if (limits.cancel != nullptr && limits.cancel->load(std::memory_order_relaxed))
    throw Error(ECANCELED, origin + ": cancelled");
}

BtfPtr btf_from_raw(const void* data, size_t size, const std::string& origin) {
  if (size > kMaxInputSizeCeiling) throw Error(EFBIG, origin + ": BTF of " + std::to_string(size) + " bytes is too large");
  errno = 0;
  struct btf* b = btf__new(data, static_cast<uint32_t>(size));
  if (b == nullptr) {
    const int err = errno != 0 ? errno : EINVAL;
    throw Error(err, origin + ": invalid BTF data (" + error_text(err) + ")");
  }
  return BtfPtr(b);
}

// The last section named ".BTF" (libbpf's rule), or null. Throws when the ELF itself is unreadable
// (as libbpf's "failed to get EHDR" / section name errors).
Elf_Scn* find_btf_section(Elf* elf, const std::string& origin) {
  GElf_Ehdr ehdr;
  size_t shstrndx = 0;
  if (elf_kind(elf) != ELF_K_ELF || gelf_getehdr(elf, &ehdr) == nullptr || elf_getshdrstrndx(elf, &shstrndx) != 0)
    throw Error(kElfFormatError, origin + ": neither raw BTF nor an ELF file");
  Elf_Scn* found = nullptr;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) throw Error(kElfFormatError, origin + ": bad ELF section header");
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name == nullptr) throw Error(kElfFormatError, origin + ": bad ELF section name");
    if (std::strcmp(name, ".BTF") == 0) found = scn;
  }
  return found;
}

// The checks libbpf 1.1 lacks before it copies a .BTF section.
void check_btf_section(Elf_Scn* scn, const std::string& origin, const InputLimits& limits) {
  GElf_Shdr sh;
  if (gelf_getshdr(scn, &sh) == nullptr) throw Error(kElfFormatError, origin + ": bad ELF section header");
  if (sh.sh_type == SHT_NOBITS)
    throw Error(EINVAL, origin + ": section .BTF holds no bytes in the file (SHT_NOBITS)");
  if (sh.sh_size > limits.max_input_size)
    throw Error(EFBIG, origin + ": section .BTF claims " + std::to_string(sh.sh_size) + " bytes, above " +
                           cap_text(limits.max_input_size));
}

// libbpf's btf__parse ELF path, from memory: the last section named ".BTF" wins.
BtfPtr btf_from_elf(std::span<const uint8_t> bytes, const std::string& origin, const InputLimits& limits) {
  if (elf_version(EV_CURRENT) == EV_NONE) throw Error(kLibelfError, origin + ": libelf init failed");
  ElfPtr elf(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()));
  if (!elf) throw Error(kElfFormatError, origin + ": neither raw BTF nor an ELF file");
  Elf_Scn* scn = find_btf_section(elf.get(), origin);
  if (scn == nullptr) throw Error(ENOENT, origin + ": ELF file has no .BTF section");
  check_btf_section(scn, origin, limits);
  Elf_Data* data = elf_getdata(scn, nullptr);
  if (data == nullptr || (data->d_buf == nullptr && data->d_size != 0))
    throw Error(kLibelfError, origin + ": cannot read section .BTF (outside the file?)");
  BtfPtr b = btf_from_raw(data->d_buf, data->d_size, origin + " (.BTF)");
  btf__set_pointer_size(b.get(), gelf_getclass(elf.get()) == ELFCLASS32 ? 4 : 8);
  return b;
}

// Bytes that are BTF or ELF, as libbpf's btf__parse would read a file holding them.
BtfPtr parse_btf_bytes(std::span<const uint8_t> bytes, const std::string& origin, const InputLimits& limits) {
  if (bytes.size() < 2) throw Error(EIO, origin + ": too short to hold BTF");
  if (sniff_input_format(bytes) == InputFormat::RawBtf) return btf_from_raw(bytes.data(), bytes.size(), origin);
  return btf_from_elf(bytes, origin, limits);
}

// Reads the first regular "*.btf" member of the archive A, within LIMITS.
std::vector<uint8_t> read_btf_member(struct archive* a, const std::string& origin, const InputLimits& limits) {
  auto corrupt = [&](const std::string& what) {
    const char* msg = archive_error_string(a);
    return Error(EIO, origin + ": corrupt tarball" + what + ": " + (msg ? msg : "read error"));
  };
  auto check_stream = [&] {
    check_cancel(limits, origin);
    const la_int64_t total = archive_filter_bytes(a, 0);  // decompressed bytes consumed so far
    if (total > 0 && static_cast<uint64_t>(total) > limits.max_input_size)
      throw Error(EFBIG, origin + ": decompressed stream exceeds " + cap_text(limits.max_input_size));
  };
  std::vector<uint8_t> scratch;
  struct archive_entry* entry = nullptr;
  for (;;) {
    check_stream();
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw corrupt("");
    const char* name = archive_entry_pathname(entry);
    const std::string member = name != nullptr ? name : "?";
    const bool wanted = archive_entry_filetype(entry) == AE_IFREG && name != nullptr &&
                        std::string_view(name).ends_with(".btf");
    if (!wanted) {
      // Skipping a member still decompresses it: read it in blocks so the caps and Ctrl-C apply.
      scratch.resize(kReadChunk);
      for (;;) {
        const la_ssize_t n = archive_read_data(a, scratch.data(), scratch.size());
        if (n == 0) break;
        if (n < 0) throw corrupt(" member " + member);
        check_stream();
      }
      continue;
    }
    if (archive_entry_size_is_set(entry) && static_cast<uint64_t>(archive_entry_size(entry)) > limits.max_input_size)
      throw Error(EFBIG, origin + ": member " + member + " claims " + std::to_string(archive_entry_size(entry)) +
                             " bytes, above " + cap_text(limits.max_input_size));
    std::vector<uint8_t> bytes;
    // Reserving does not touch memory: a header that lies costs address space, not RSS.
    if (archive_entry_size_is_set(entry)) bytes.reserve(static_cast<size_t>(archive_entry_size(entry)));
    uint8_t probe[4096];  // reads past the reserved size land here, so an exact header costs no copy
    for (;;) {
      const size_t filled = bytes.size();
      const size_t room = bytes.capacity() - filled;
      la_ssize_t n;
      if (room > 0) {
        bytes.resize(filled + std::min(room, kReadChunk));
        n = archive_read_data(a, bytes.data() + filled, bytes.size() - filled);
        bytes.resize(filled + static_cast<size_t>(std::max<la_ssize_t>(n, 0)));
      } else {
        n = archive_read_data(a, probe, sizeof(probe));
        if (n > 0) bytes.insert(bytes.end(), probe, probe + n);
      }
      if (n < 0) throw corrupt(" member " + member);
      if (n == 0) break;
      if (bytes.size() > limits.max_input_size)
        throw Error(EFBIG, origin + ": member " + member + " exceeds " + cap_text(limits.max_input_size));
      check_stream();
    }
    return bytes;
  }
  throw Error(ENOENT, origin + ": tarball has no *.btf member");
}

ArchivePtr new_tar_reader(const std::string& origin) {
  ArchivePtr a(archive_read_new());
  if (!a) throw Error(ENOMEM, origin + ": cannot allocate archive reader");
  // Only filters libarchive implements with its own libraries: never an external program.
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_format_tar(a.get());
  return a;
}

std::vector<uint8_t> read_tarball(int fd, const std::string& origin, const InputLimits& limits) {
  ArchivePtr a = new_tar_reader(origin);
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    throw Error(EIO, origin + ": cannot open tarball: " + (msg ? msg : "unreadable"));
  }
  return read_btf_member(a.get(), origin, limits);
}

std::vector<uint8_t> read_tarball(std::span<const uint8_t> bytes, const std::string& origin, const InputLimits& limits) {
  ArchivePtr a = new_tar_reader(origin);
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    throw Error(EIO, origin + ": cannot open tarball: " + (msg ? msg : "unreadable"));
  }
  return read_btf_member(a.get(), origin, limits);
}

// libbpf's btf__parse on PATH, with its errors turned into one line naming PATH.
BtfPtr btf_parse_file(const std::string& path) {
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

// An ELF file's .BTF section checked (rule 2) through libelf on FD, before btf__parse reads it.
void check_elf_file(int fd, const std::string& path, const InputLimits& limits) {
  if (elf_version(EV_CURRENT) == EV_NONE) throw Error(kLibelfError, path + ": libelf init failed");
  ElfPtr elf(elf_begin(fd, ELF_C_READ_MMAP, nullptr));
  if (!elf) return;  // libbpf will report it in its own words
  Elf_Scn* scn = nullptr;
  try {
    scn = find_btf_section(elf.get(), path);
  } catch (const Error&) {
    return;  // likewise
  }
  if (scn != nullptr) check_btf_section(scn, path, limits);
}

}  // namespace

InputFormat sniff_input_format(std::span<const uint8_t> head) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    return head.size() >= magic.size() && std::equal(magic.begin(), magic.end(), head.begin());
  };
  if (starts({0x9f, 0xeb}) || starts({0xeb, 0x9f})) return InputFormat::RawBtf;
  if (starts({0x7f, 'E', 'L', 'F'})) return InputFormat::Elf;
  if (starts({0xfd, '7', 'z', 'X', 'Z', 0x00}) || starts({0x1f, 0x8b}) || starts({0x28, 0xb5, 0x2f, 0xfd}) ||
      starts({'B', 'Z', 'h'}))
    return InputFormat::Archive;
  if (head.size() >= 262 && std::memcmp(head.data() + 257, "ustar", 5) == 0) return InputFormat::Archive;
  return InputFormat::Unknown;
}

BtfPtr parse_kernel_input(std::span<const uint8_t> bytes, const std::string& origin, const InputLimits& limits) {
  if (bytes.size() > limits.max_input_size)
    throw Error(EFBIG, origin + ": " + std::to_string(bytes.size()) + " bytes, above " + cap_text(limits.max_input_size));
  if (sniff_input_format(bytes.first(std::min(bytes.size(), kSniffBytes))) == InputFormat::Archive)
    return parse_btf_bytes(read_tarball(bytes, origin, limits), origin, limits);
  return parse_btf_bytes(bytes, origin, limits);
}

BtfPtr load_kernel_btf(const std::string& path, const InputLimits& limits) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (Ctrl-C would not get through).
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    throw Error(err, path + ": cannot read kernel BTF: " +
                         (err == ENOENT ? std::string("no such file") : error_text(err)));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) throw Error(errno, path + ": cannot read kernel BTF: " + error_text(errno));
  if (S_ISFIFO(st.st_mode)) throw Error(EINVAL, path + ": is a FIFO; kernel BTF must be read from a file");
  if (!S_ISREG(st.st_mode)) return btf_parse_file(path);  // a directory or device: libbpf's own verdict

  uint8_t head[kSniffBytes];
  ssize_t got = pread(fd.get(), head, sizeof(head), 0);
  if (got < 0) throw Error(errno, path + ": cannot read kernel BTF: " + error_text(errno));
  const InputFormat format = sniff_input_format({head, static_cast<size_t>(got)});
  if (format == InputFormat::Archive) {
    const int flags = fcntl(fd.get(), F_GETFL);
    if (flags >= 0) fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    return parse_btf_bytes(read_tarball(fd.get(), path, limits), path, limits);
  }
  if (format == InputFormat::RawBtf && static_cast<uint64_t>(st.st_size) > limits.max_input_size)
    throw Error(EFBIG, path + ": raw BTF of " + std::to_string(st.st_size) + " bytes, above " +
                           cap_text(limits.max_input_size));
  if (format == InputFormat::Elf) check_elf_file(fd.get(), path, limits);
  return btf_parse_file(path);
}

}  // namespace btfgen
