// The cache entry file: its name, its header, and encoding/verifying it. Private to src/cache/.
//
// <cache dir>/<SHA-256 of the tarball, 64 hex>.btfgen-cache, little-endian:
//   0   "BTFGENKC"            magic
//   8   u32 version (2)       u32 codec: 1 a zstd frame alone, 2 a zstd frame against a base's BTF
//   16  u64 tarball size      u8[32] tarball SHA-256          the key
//   56  u64 stream bytes      decompressed tarball bytes consumed up to the member's end
//   64  u64 member size       u64 payload size                claims, capped by --max-input-size
//   80  u32 checksum of the decompressed member: the zstd frame's own (the low 32 bits of its
//       XXH64, checked by zstd as it decompresses; ~10x cheaper than zlib's CRC-32)   u32 0
//   88  u64 base tarball size u8[32] base tarball SHA-256      codec 2: the base entry's key
//   128 u64 base member size  u32 checksum of the base member  codec 2; all zero for codec 1
//   140 u8[36] 0
//   176 u32 member name length (<= 4096)   u32 0   u32 CRC-32 of bytes 0..183   u32 0
//   192 member name, then the zstd payload; the file ends exactly there.
//
// Codec 2 ("a delta"): the payload is a zstd frame compressed with the base entry's decompressed
// member as its prefix (zstd's patch-from). btfhub builds of one release differ by a few types, so
// a kernel compresses to a fraction of its size against a sibling. A base is always a codec-1
// entry: reading any entry takes at most two frames.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btfgen/cache/kernel_cache.h"
#include "btfgen/input/kernel_btf.h"
#include "common/result.h"

namespace btfgen::cache_entry {

inline constexpr size_t kHeaderSize = 192;
inline constexpr size_t kCrcOffset = 184;  // the header's zlib CRC-32 of its bytes before this offset, little-endian
inline constexpr size_t kMaxNameLength = 4096;
inline constexpr std::string_view kMagic = "BTFGENKC";
inline constexpr std::string_view kSuffix = ".btfgen-cache";
inline constexpr std::string_view kTempPrefix = ".btfgen-cache-tmp-";

// "<64 hex>.btfgen-cache".
std::string entry_name(const CacheKey& key);
bool is_entry_name(std::string_view name);
// ".btfgen-cache-tmp-XXXXXX": an entry being written (mkstemp's six characters).
bool is_temp_name(std::string_view name);
// True when the regular file NAME in directory DIR_FD starts with the magic (never follows links).
bool has_magic(int dir_fd, const std::string& name);

// The base a delta entry is compressed against: a standalone entry's key and its member's bytes.
struct Base {
  CacheKey key;
  std::span<const uint8_t> bytes;
  uint32_t checksum = 0;  // its entry's member checksum
};

// What eviction and stats need of an entry: read from its header (checked by magic, version and
// header CRC only), without reading the payload.
struct Peek {
  bool delta = false;
  CacheKey base_key;
  uint64_t member_size = 0;
};
// NAME in DIR_FD, when it is a regular file with a sound header (never follows links or blocks).
std::optional<Peek> peek(int dir_fd, const std::string& name);

struct Header {
  CacheKey key;
  bool delta = false;  // codec 2: base_* name the base
  CacheKey base_key;
  uint64_t base_size = 0;
  uint32_t base_checksum = 0;
  uint64_t stream_bytes = 0;
  uint64_t member_size = 0;
  uint64_t payload_size = 0;
  uint32_t member_checksum = 0;
  uint32_t name_length = 0;
};

// The whole entry for KEY and MEMBER: header, name, payload (zstd level 1, against BASE when given:
// BASE's key differs from KEY).
std::vector<uint8_t> encode(const CacheKey& key, const TarballMember& member, const Base* base = nullptr);

// The member checksum in the header of ENCODED, an entry encode() returned.
uint32_t member_checksum(std::span<const uint8_t> encoded);

// Checks the header bytes HEAD of an entry FILE_SIZE bytes long against KEY and MAX_INPUT_SIZE.
Result<Header> parse_header(std::span<const uint8_t> head, const CacheKey& key, uint64_t file_size,
                            uint64_t max_input_size);

// The member held by BODY (the bytes after the header), checked against HEADER; a delta needs its
// base (whose size and checksum, already verified when its entry was read, must be the header's).
Result<TarballMember> decode_body(const Header& header, std::span<const uint8_t> body, const Base* base = nullptr);

}  // namespace btfgen::cache_entry
