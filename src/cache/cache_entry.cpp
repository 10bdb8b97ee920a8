// Entry files of the kernel cache: encoding, and verification before any byte is used.
#include "cache/cache_entry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>  // crc32 of the header
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

constexpr uint32_t kVersion = 2;
constexpr uint32_t kCodecZstd = 1;
constexpr uint32_t kCodecZstdAgainstBase = 2;
constexpr size_t kNameLengthOffset = 176;
// zstd level 1 alone: 2.9x on kernel BTF at ~200 MB/s, read at ~600 MB/s. Against a sibling, level
// 1 with long-distance matching: the sibling's types sit a few ids away, so matches are long runs
// at any distance in the window (BENCHMARKS.md, "Kernel cache").
constexpr int kLevel = 1;

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

Failure bad(const std::string& what) { return Failure{EBADMSG, what}; }

// The window a frame needs to reach back over its base: the smallest power of two holding both.
int window_log(size_t bytes) {
  const ZSTD_bounds bounds = ZSTD_cParam_getBounds(ZSTD_c_windowLog);
  int log = bounds.lowerBound;
  while (log < bounds.upperBound && (size_t{1} << log) < bytes) ++log;
  return log;
}

// RFC 8878: a zstd frame starts with its magic, then the frame header descriptor, whose bit 2 says
// that the frame ends with a 4-byte content checksum (the low 32 bits of XXH64).
constexpr uint32_t kZstdMagic = 0xFD2FB528;
bool has_content_checksum(std::span<const uint8_t> frame) {
  return frame.size() >= 9 && get32(frame.data()) == kZstdMagic && (frame[4] & 0x04) != 0;
}
uint32_t content_checksum(std::span<const uint8_t> frame) { return get32(frame.data() + frame.size() - 4); }

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

std::optional<Peek> peek(int dir_fd, const std::string& name) {
  const Fd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return std::nullopt;
  struct stat st{};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  uint8_t h[kHeaderSize];
  if (pread(fd.get(), h, sizeof(h), 0) != static_cast<ssize_t>(sizeof(h))) return std::nullopt;
  if (std::string_view(reinterpret_cast<const char*>(h), kMagic.size()) != kMagic || get32(h + 8) != kVersion ||
      get32(h + kCrcOffset) != header_crc(h))
    return std::nullopt;
  Peek p;
  p.delta = get32(h + 12) == kCodecZstdAgainstBase;
  p.base_key.size = get64(h + 88);
  std::memcpy(p.base_key.sha256.data(), h + 96, p.base_key.sha256.size());
  p.member_size = get64(h + 64);
  return p;
}

std::vector<uint8_t> encode(const CacheKey& key, const TarballMember& member, const Base* base) {
  if (member.name.size() > kMaxNameLength) throw Error(ENAMETOOLONG, "member name too long to cache");
  if (base != nullptr && base->key == key) throw Error(EINVAL, "an entry cannot be its own base");
  // One compression context per thread: the workers reuse theirs from kernel to kernel.
  thread_local std::unique_ptr<ZSTD_CCtx, CctxDeleter> cctx(ZSTD_createCCtx());
  if (!cctx) throw Error(ENOMEM, "cannot allocate a zstd context");
  ZSTD_CCtx* c = cctx.get();
  auto check = [](size_t rc) {
    if (ZSTD_isError(rc)) throw Error(EIO, std::string("zstd: ") + ZSTD_getErrorName(rc));
  };
  check(ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters));
  check(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kLevel));
  check(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1));
  if (base != nullptr) {
    check(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, window_log(base->bytes.size() + member.bytes.size())));
    check(ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, 1));
    check(ZSTD_CCtx_refPrefix(c, base->bytes.data(), base->bytes.size()));
  }
  const size_t bound = ZSTD_compressBound(member.bytes.size());
  const size_t body = kHeaderSize + member.name.size();
  std::vector<uint8_t> out(body + bound);
  const size_t n = ZSTD_compress2(c, out.data() + body, bound, member.bytes.data(), member.bytes.size());
  check(n);
  out.resize(body + n);
  const std::span<const uint8_t> frame(out.data() + body, n);
  if (!has_content_checksum(frame)) throw Error(EIO, "zstd wrote a frame without a checksum");

  uint8_t* h = out.data();
  std::memset(h, 0, kHeaderSize);
  std::memcpy(h, kMagic.data(), kMagic.size());
  put32(h + 8, kVersion);
  put32(h + 12, base != nullptr ? kCodecZstdAgainstBase : kCodecZstd);
  put64(h + 16, key.size);
  std::memcpy(h + 24, key.sha256.data(), key.sha256.size());
  put64(h + 56, member.stream_bytes);
  put64(h + 64, member.bytes.size());
  put64(h + 72, n);
  put32(h + 80, content_checksum(frame));
  if (base != nullptr) {
    put64(h + 88, base->key.size);
    std::memcpy(h + 96, base->key.sha256.data(), base->key.sha256.size());
    put64(h + 128, base->bytes.size());
    put32(h + 136, base->checksum);
  }
  put32(h + kNameLengthOffset, static_cast<uint32_t>(member.name.size()));
  put32(h + kCrcOffset, header_crc(h));
  std::copy(member.name.begin(), member.name.end(), h + kHeaderSize);  // not NUL-terminated: sized
  return out;
}

uint32_t member_checksum(std::span<const uint8_t> encoded) { return get32(encoded.data() + 80); }

Result<Header> parse_header(std::span<const uint8_t> head, const CacheKey& key, uint64_t file_size,
                            uint64_t max_input_size) {
  if (head.size() < kHeaderSize || file_size < kHeaderSize) return bad("truncated header");
  const uint8_t* h = head.data();
  if (std::string_view(reinterpret_cast<const char*>(h), kMagic.size()) != kMagic)
    return bad("not a cache entry (magic)");
  if (get32(h + 8) != kVersion) return bad("unknown version " + std::to_string(get32(h + 8)));
  const uint32_t codec = get32(h + 12);
  if (codec != kCodecZstd && codec != kCodecZstdAgainstBase) return bad("unknown codec " + std::to_string(codec));
  if (get32(h + kCrcOffset) != header_crc(h)) return bad("header checksum mismatch");
  Header header;
  header.delta = codec == kCodecZstdAgainstBase;
  header.base_key.size = get64(h + 88);
  std::memcpy(header.base_key.sha256.data(), h + 96, header.base_key.sha256.size());
  header.base_size = get64(h + 128);
  header.base_checksum = get32(h + 136);
  if (!header.delta && (header.base_key != CacheKey{} || header.base_size != 0 || header.base_checksum != 0))
    return bad("a base named by an entry that has none");
  header.key.size = get64(h + 16);
  std::memcpy(header.key.sha256.data(), h + 24, header.key.sha256.size());
  if (!(header.key == key)) return bad("entry of another tarball");
  header.stream_bytes = get64(h + 56);
  header.member_size = get64(h + 64);
  header.payload_size = get64(h + 72);
  header.member_checksum = get32(h + 80);
  header.name_length = get32(h + kNameLengthOffset);
  if (header.delta && header.base_key == header.key) return bad("an entry that is its own base");
  // Sizes are claims: nothing is allocated for them before they pass the caps.
  if (header.member_size > max_input_size || header.stream_bytes > max_input_size || header.base_size > max_input_size)
    return bad("claims " + std::to_string(std::max({header.member_size, header.stream_bytes, header.base_size})) +
               " bytes, above the limit of " + std::to_string(max_input_size) + " bytes (--max-input-size)");
  if (header.name_length > kMaxNameLength) return bad("member name length " + std::to_string(header.name_length));
  if (header.payload_size > ZSTD_compressBound(header.member_size)) return bad("payload larger than its content");
  if (file_size != kHeaderSize + header.name_length + header.payload_size)
    return bad("file is " + std::to_string(file_size) + " bytes, header says " +
               std::to_string(kHeaderSize + header.name_length + header.payload_size) + " (truncated or extended)");
  return header;
}

Result<TarballMember> decode_body(const Header& header, std::span<const uint8_t> body, const Base* base) {
  if (body.size() != header.name_length + header.payload_size) return bad("truncated body");
  if (header.delta && (base == nullptr || base->key != header.base_key || base->bytes.size() != header.base_size ||
                       base->checksum != header.base_checksum))
    return bad("its base is not the BTF it was written against");
  TarballMember member;
  member.name.assign(reinterpret_cast<const char*>(body.data()), header.name_length);
  member.stream_bytes = header.stream_bytes;
  const std::span<const uint8_t> payload = body.subspan(header.name_length);
  const unsigned long long claimed = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (claimed != header.member_size) return bad("zstd frame size disagrees with the header");
  // zstd checks the content against the frame's checksum as it decompresses; the header's copy
  // (what a delta names its base by) must be that one.
  if (!has_content_checksum(payload)) return bad("zstd frame without a checksum");
  if (content_checksum(payload) != header.member_checksum) return bad("zstd frame checksum disagrees with the header");
  thread_local std::unique_ptr<ZSTD_DCtx, DctxDeleter> dctx(ZSTD_createDCtx());
  if (!dctx) return Failure{ENOMEM, "cannot allocate a zstd context"};
  ZSTD_DCtx* d = dctx.get();
  // One-shot into a buffer of the claimed size: the window a frame asks for allocates nothing more.
  if (ZSTD_isError(ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters)) ||
      ZSTD_isError(
          ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, ZSTD_dParam_getBounds(ZSTD_d_windowLogMax).upperBound)) ||
      (header.delta && ZSTD_isError(ZSTD_DCtx_refPrefix(d, base->bytes.data(), base->bytes.size()))))
    return Failure{ENOMEM, "cannot set up a zstd context"};
  member.bytes.resize(header.member_size);
  const size_t n = ZSTD_decompressDCtx(d, member.bytes.data(), member.bytes.size(), payload.data(), payload.size());
  if (ZSTD_isError(n)) return bad(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != header.member_size) return bad("payload decompresses to " + std::to_string(n) + " bytes");
  return member;
}

}  // namespace btfgen::cache_entry
