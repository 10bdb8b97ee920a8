// Kernel BTF input: raw .btf, ELF (vmlinux) with a .BTF section, or a tarball read in memory.
//
// Rules, in order:
//   1. The format comes from the first bytes, never from the name: a raw BTF called x.tar.xz is
//      raw BTF (bpftool reads it too), a btfhub tarball called x.btf is a tarball.
//   2. Raw BTF and ELF are parsed as libbpf's btf__parse parses them (input/btf_image.h), with its
//      two extra checks (SHT_NOBITS .BTF, the size cap).
//   3. A tarball is streamed through libarchive (xz, gzip, zstd, bzip2; no external programs).
//      The first regular "*.btf" member is the BTF. The member size in its header is a claim:
//      above the cap it is refused at once, below it only reserves memory, and every byte that
//      arrives is counted against the cap. The whole decompressed stream is capped too (an xz bomb
//      hidden in members that are skipped), and the cancel flag is checked between blocks.
#include "btfgen/input/kernel_btf.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "btfgen/common/error.h"
#include "common/fd.h"
#include "input/btf_image.h"
#include "input/format.h"

namespace btfgen {

namespace {

struct ArchiveDeleter {
  void operator()(struct archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

constexpr size_t kReadChunk = size_t{1} << 20;  // between two cancel checks

std::string cap_text(uint64_t cap) { return "the limit of " + std::to_string(cap) + " bytes (--max-input-size)"; }

void check_cancel(const InputLimits& limits, const std::string& origin) {
  if (limits.cancel != nullptr && limits.cancel->load(std::memory_order_relaxed))
    throw Error(ECANCELED, origin + ": cancelled");
}

BtfPtr take(Result<BtfImage> image, const std::string& origin) {
  if (!image) throw Error(image.failure().code, origin + ": " + image.failure().message);
  return std::move(image->btf);
}

using Member = TarballMember;

// Reads the first regular "*.btf" member of the archive A, within LIMITS.
Member read_btf_member(struct archive* a, const std::string& origin, const InputLimits& limits) {
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
    Member m{.name = name != nullptr ? name : "?"};
    const bool wanted =
        archive_entry_filetype(entry) == AE_IFREG && name != nullptr && std::string_view(name).ends_with(".btf");
    if (!wanted) {
      // Skipping a member still decompresses it: read it in blocks so the caps and Ctrl-C apply.
      scratch.resize(kReadChunk);
      for (;;) {
        const la_ssize_t n = archive_read_data(a, scratch.data(), scratch.size());
        if (n == 0) break;
        if (n < 0) throw corrupt(" member " + m.name);
        check_stream();
      }
      continue;
    }
    if (archive_entry_size_is_set(entry) && static_cast<uint64_t>(archive_entry_size(entry)) > limits.max_input_size)
      throw Error(EFBIG, origin + ": member " + m.name + " claims " + std::to_string(archive_entry_size(entry)) +
                             " bytes, above " + cap_text(limits.max_input_size));
    std::vector<uint8_t>& bytes = m.bytes;
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
      if (n < 0) throw corrupt(" member " + m.name);
      if (n == 0) break;
      if (bytes.size() > limits.max_input_size)
        throw Error(EFBIG, origin + ": member " + m.name + " exceeds " + cap_text(limits.max_input_size));
      check_stream();
    }
    const la_int64_t consumed = archive_filter_bytes(a, 0);
    m.stream_bytes = consumed > 0 ? static_cast<uint64_t>(consumed) : m.bytes.size();
    return m;
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

[[noreturn]] void cannot_open(struct archive* a, const std::string& origin) {
  const char* msg = archive_error_string(a);
  throw Error(EIO, origin + ": cannot open tarball: " + (msg ? msg : "unreadable"));
}

// The tarball's BTF member, parsed; errors name the file and the member.
BtfPtr parse_member(const Member& m, const std::string& origin, const InputLimits& limits) {
  return take(parse_btf_bytes(m.bytes, false, limits.max_input_size), origin + " (member " + m.name + ")");
}

// What libbpf concludes of a file it cannot map or seek (a directory, a device): fewer than two
// bytes read is EIO, anything else is not an ELF file.
[[noreturn]] void not_a_file(int fd, const std::string& path) {
  uint8_t two[2];
  const ssize_t n = read(fd, two, sizeof(two));
  if (n < 2) throw Error(EIO, path + ": too short to hold BTF");
  throw Error(kElfFormatError, path + ": neither raw BTF nor an ELF file");
}

}  // namespace

bool is_tarball(std::span<const uint8_t> head) {
  return sniff_format(head.first(std::min(head.size(), kSniffBytes))) == InputFormat::Archive;
}

TarballMember read_tarball_member(std::span<const uint8_t> tarball, const std::string& origin,
                                  const InputLimits& limits) {
  ArchivePtr a = new_tar_reader(origin);
  if (archive_read_open_memory(a.get(), tarball.data(), tarball.size()) != ARCHIVE_OK) cannot_open(a.get(), origin);
  return read_btf_member(a.get(), origin, limits);
}

BtfPtr parse_tarball_member(const TarballMember& member, const std::string& origin, const InputLimits& limits) {
  return parse_member(member, origin, limits);
}

BtfPtr parse_kernel_input(std::span<const uint8_t> bytes, const std::string& origin, const InputLimits& limits) {
  if (is_tarball(bytes)) return parse_member(read_tarball_member(bytes, origin, limits), origin, limits);
  return take(parse_btf_bytes(bytes, false, limits.max_input_size), origin);
}

BtfPtr load_kernel_btf(const std::string& path, const InputLimits& limits) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (Ctrl-C would not get through).
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) throw Error(errno, path + ": cannot read kernel BTF: " + std::strerror(errno));
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) throw Error(errno, path + ": cannot read kernel BTF: " + std::strerror(errno));
  if (S_ISFIFO(st.st_mode)) throw Error(EINVAL, path + ": is a FIFO; kernel BTF must be read from a file");
  if (!S_ISREG(st.st_mode)) not_a_file(fd.get(), path);

  uint8_t head[kSniffBytes];
  const ssize_t got = pread(fd.get(), head, sizeof(head), 0);
  if (got < 0) throw Error(errno, path + ": cannot read kernel BTF: " + std::strerror(errno));
  if (sniff_format({head, static_cast<size_t>(got)}) == InputFormat::Archive) {
    const int flags = fcntl(fd.get(), F_GETFL);
    if (flags >= 0) fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    ArchivePtr a = new_tar_reader(path);
    if (archive_read_open_fd(a.get(), fd.get(), 1 << 16) != ARCHIVE_OK) cannot_open(a.get(), path);
    return parse_member(read_btf_member(a.get(), path, limits), path, limits);
  }
  return take(parse_btf_file(fd.get(), static_cast<uint64_t>(st.st_size), false, limits.max_input_size), path);
}

}  // namespace btfgen
