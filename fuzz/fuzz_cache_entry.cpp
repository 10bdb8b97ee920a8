// libFuzzer target: a kernel cache entry file on arbitrary bytes (cache/cache_entry.h). Whoever can
// write the cache directory controls these bytes: parse_header must cap every claim and decode_body
// must return the member or a failure, never read out of bounds, allocate past the cap, or return
// another size than the header claims (zstd checks the content against the frame's checksum).
//
// The key is taken from the input itself, so mutations get past the key check; a delta is decoded
// against the fixed base the seeds were written against (base.btf of the test targets). Each input
// is tried as it is and again with its header checksum made right, so mutated header fields reach
// the checks of what they claim instead of all stopping at the checksum.
//
// `fuzz_cache_entry --make-seeds DIR` writes the seeds: base.btf alone, and a variant of it against
// base.btf (a delta), as real entries.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "cache/cache_entry.h"

namespace {

namespace ce = btfgen::cache_entry;

constexpr uint64_t kCap = uint64_t{16} << 20;  // what --max-input-size would allow here

const std::vector<uint8_t>& base_btf() {
  static const std::vector<uint8_t> bytes = [] {
    std::ifstream in(std::string(BTFGEN_FUZZ_OBJECT_DIR) + "/targets/base.btf", std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  return bytes;
}

btfgen::CacheKey key_of(const uint8_t* data, size_t size) {
  btfgen::CacheKey key;
  if (size >= 56) {
    for (int i = 7; i >= 0; --i) key.size = (key.size << 8) | data[16 + i];
    std::memcpy(key.sha256.data(), data + 24, key.sha256.size());
  }
  return key;
}

int make_seeds(const std::string& dir) {
  const auto& base = base_btf();
  if (base.empty()) return 1;
  const btfgen::CacheKey base_key{.size = 1000, .sha256 = {1, 2, 3}};
  const btfgen::CacheKey variant_key{.size = 1001, .sha256 = {4, 5, 6}};
  btfgen::TarballMember alone{"vmlinux.btf", base, base.size() + 1024};
  btfgen::TarballMember variant = alone;
  variant.bytes.back() ^= 1;
  const auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  };
  const std::vector<uint8_t> base_entry = ce::encode(base_key, alone);
  const ce::Base against{base_key, base, ce::member_checksum(base_entry)};
  write("alone", base_entry);
  write("delta", ce::encode(variant_key, variant, &against));
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i + 1 < *argc; ++i)
    if (std::strcmp((*argv)[i], "--make-seeds") == 0) std::exit(make_seeds((*argv)[i + 1]));
  return 0;
}

namespace {

void check_entry(const uint8_t* data, size_t size) {
  const btfgen::CacheKey key = key_of(data, size);
  const auto header = ce::parse_header({data, size}, key, size, kCap);
  if (!header) return;
  if (header->member_size > kCap || header->name_length > ce::kMaxNameLength) __builtin_trap();
  // The base is what the header names, as the cache would have read it from its own entry.
  const ce::Base base{header->base_key, base_btf(), header->base_checksum};
  const auto member =
      ce::decode_body(*header, {data + ce::kHeaderSize, size - ce::kHeaderSize}, header->delta ? &base : nullptr);
  if (member && member->bytes.size() != header->member_size) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_entry(data, size);
  if (size < ce::kHeaderSize) return 0;
  std::vector<uint8_t> signed_entry(data, data + size);
  const auto crc = static_cast<uint32_t>(crc32(0, signed_entry.data(), static_cast<uInt>(ce::kCrcOffset)));
  for (size_t i = 0; i < 4; ++i) signed_entry[ce::kCrcOffset + i] = static_cast<uint8_t>(crc >> (8 * i));
  check_entry(signed_entry.data(), signed_entry.size());
  return 0;
}
