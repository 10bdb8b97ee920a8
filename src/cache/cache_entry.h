// The cache entry file: its name, its header, and encoding/verifying it. Private to src/cache/.
//
// <cache dir>/<SHA-256 of the tarball, 64 hex>.btfgen-cache, little-endian:
//   0   "BTFGENKC"            magic
//   8   u32 version (1)       u32 codec (1: one zstd frame)
//   16  u64 tarball size      u8[32] tarball SHA-256          the key
//   56  u64 stream bytes      decompressed tarball bytes consumed up to the member's end
//   64  u64 member size       u64 payload size                claims, capped by --max-input-size
//   80  u32 CRC-32 of the decompressed member (zlib's; 2.5x cheaper than SHA-256 here), u8[28] 0
//   112 u32 member name length (<= 4096)   u32 0   u32 CRC-32 of bytes 0..119   u32 0
//   128 member name, then the zstd payload; the file ends exactly there.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btfgen/cache/kernel_cache.h"
#include "btfgen/input/kernel_btf.h"
#include "common/result.h"

namespace btfgen::cache_entry {

inline constexpr size_t kHeaderSize = 128;
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

struct Header {
  CacheKey key;
  uint64_t stream_bytes = 0;
  uint64_t member_size = 0;
  uint64_t payload_size = 0;
  uint32_t member_crc32 = 0;
  uint32_t name_length = 0;
};

// The whole entry for KEY and MEMBER: header, name, payload (zstd level LEVEL).
std::vector<uint8_t> encode(const CacheKey& key, const TarballMember& member, int level);

// Checks the header bytes HEAD of an entry FILE_SIZE bytes long against KEY and MAX_INPUT_SIZE.
Result<Header> parse_header(std::span<const uint8_t> head, const CacheKey& key, uint64_t file_size,
                            uint64_t max_input_size);

// The member held by BODY (the bytes after the header), checked against HEADER.
Result<TarballMember> decode_body(const Header& header, std::span<const uint8_t> body);

}  // namespace btfgen::cache_entry
