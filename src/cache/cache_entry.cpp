// Entry files of the kernel cache: encoding, and verification before any byte is used.
#include "cache/cache_entry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "btfgen/common/error.h"
#include "common/fd.h"
#include "common/sha256.h"

namespace btfgen::cache_entry {

namespace {

constexpr uint32_t kVersion = 1;
constexpr uint32_t kCodecZstd = 1;
constexpr size_t kCrcOffset = 120;

struct CctxDeleter {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DctxDeleter {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint32_t header_crc(const uint8_t* head) {
  return static_cast<uint32_t>(crc32(0, head, static_cast<uInt>(kCrcOffset)));
}

// zlib's crc32 takes at most 4 GiB - 1 at a time; a member is below that (--max-input-size).
uint32_t bytes_crc(std::span<const uint8_t> bytes) {
  uLong crc = crc32(0, nullptr, 0);
  for (size_t at = 0; at < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - at, size_t{1} << 30);
    crc = crc32(crc, bytes.data() + at, static_cast<uInt>(n));
    at += n;
  }
  return static_cast<uint32_t>(crc);
}

Failure bad(const std::string& what) { return Failure{EBADMSG, what}; }

bool is_hex(std::string_view s) {
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string entry_name(const CacheKey& key) { return hex_text(key.sha256) + std::string(kSuffix); }

bool is_entry_name(std::string_view name) {
  return name.size() == 64 + kSuffix.size() && name.ends_with(kSuffix) && is_hex(name.substr(0, 64));
}

bool is_temp_name(std::string_view name) {
  return name.size() == kTempPrefix.size() + 6 && name.starts_with(kTempPrefix);
}

bool has_magic(int dir_fd, const std::string& name) {
  const Fd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return false;
  struct stat st{};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char magic[kMagic.size()];
  return pread(fd.get(), magic, sizeof(magic), 0) == static_cast<ssize_t>(sizeof(magic)) &&
         std::string_view(magic, sizeof(magic)) == kMagic;
}

std::vector<uint8_t> encode(const CacheKey& key, const TarballMember& member, int level) {
  if (member.name.size() > kMaxNameLength) throw Error(ENAMETOOLONG, "member name too long to cache");
  // One compression context per thread: the workers reuse theirs from kernel to kernel.
  thread_local std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) throw Error(ENOMEM, "cannot allocate a zstd context");
  const size_t bound = ZSTD_compressBound(member.bytes.size());
  const size_t body = kHeaderSize + member.name.size();
  std::vector<uint8_t> out(body + bound);
  const size_t n =
      ZSTD_compressCCtx(cctx.get(), out.data() + body, bound, member.bytes.data(), member.bytes.size(), level);
  if (ZSTD_isError(n)) throw Error(EIO, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(body + n);

  uint8_t* h = out.data();
  std::memcpy(h, kMagic.data(), kMagic.size());
  put32(h + 8, kVersion);
  put32(h + 12, kCodecZstd);
  put64(h + 16, key.size);
  std::memcpy(h + 24, key.sha256.data(), key.sha256.size());
  put64(h + 56, member.stream_bytes);
  put64(h + 64, member.bytes.size());
  put64(h + 72, n);
  put32(h + 80, bytes_crc(member.bytes));
  std::memset(h + 84, 0, 28);
  put32(h + 112, static_cast<uint32_t>(member.name.size()));
  put32(h + 116, 0);
  put32(h + kCrcOffset, header_crc(h));
  put32(h + 124, 0);
  std::copy(member.name.begin(), member.name.end(), h + kHeaderSize);  // not NUL-terminated: sized
  return out;
}

Result<Header> parse_header(std::span<const uint8_t> head, const CacheKey& key, uint64_t file_size,
                            uint64_t max_input_size) {
  if (head.size() < kHeaderSize || file_size < kHeaderSize) return bad("truncated header");
  const uint8_t* h = head.data();
  if (std::string_view(reinterpret_cast<const char*>(h), kMagic.size()) != kMagic)
    return bad("not a cache entry (magic)");
  if (get32(h + 8) != kVersion) return bad("unknown version " + std::to_string(get32(h + 8)));
  if (get32(h + 12) != kCodecZstd) return bad("unknown codec " + std::to_string(get32(h + 12)));
  if (get32(h + kCrcOffset) != header_crc(h)) return bad("header checksum mismatch");
  Header header;
  header.key.size = get64(h + 16);
  std::memcpy(header.key.sha256.data(), h + 24, header.key.sha256.size());
  if (!(header.key == key)) return bad("entry of another tarball");
  header.stream_bytes = get64(h + 56);
  header.member_size = get64(h + 64);
  header.payload_size = get64(h + 72);
  header.member_crc32 = get32(h + 80);
  header.name_length = get32(h + 112);
  // Sizes are claims: nothing is allocated for them before they pass the caps.
  if (header.member_size > max_input_size || header.stream_bytes > max_input_size)
    return bad("claims " + std::to_string(std::max(header.member_size, header.stream_bytes)) +
               " bytes, above the limit of " + std::to_string(max_input_size) + " bytes (--max-input-size)");
  if (header.name_length > kMaxNameLength) return bad("member name length " + std::to_string(header.name_length));
  if (header.payload_size > ZSTD_compressBound(header.member_size)) return bad("payload larger than its content");
  if (file_size != kHeaderSize + header.name_length + header.payload_size)
    return bad("file is " + std::to_string(file_size) + " bytes, header says " +
               std::to_string(kHeaderSize + header.name_length + header.payload_size) + " (truncated or extended)");
  return header;
}

Result<TarballMember> decode_body(const Header& header, std::span<const uint8_t> body) {
  if (body.size() != header.name_length + header.payload_size) return bad("truncated body");
  TarballMember member;
  member.name.assign(reinterpret_cast<const char*>(body.data()), header.name_length);
  member.stream_bytes = header.stream_bytes;
  const std::span<const uint8_t> payload = body.subspan(header.name_length);
  const unsigned long long claimed = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (claimed != header.member_size) return bad("zstd frame size disagrees with the header");
  thread_local std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return Failure{ENOMEM, "cannot allocate a zstd context"};
  member.bytes.resize(header.member_size);
  const size_t n =
      ZSTD_decompressDCtx(dctx.get(), member.bytes.data(), member.bytes.size(), payload.data(), payload.size());
  if (ZSTD_isError(n)) return bad(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != header.member_size) return bad("payload decompresses to " + std::to_string(n) + " bytes");
  if (bytes_crc(member.bytes) != header.member_crc32) return bad("checksum of the decompressed BTF mismatch");
  return member;
}

}  // namespace btfgen::cache_entry
