// bench/byte_delta_probe.cpp: could a byte-level delta of our own store a kernel against its directory's
// base cheaper than zstd's long-distance matching? (BENCHMARKS.md, "Why cold <= 1.15x is out of reach".)
//
//   c++ -O2 -std=c++20 bench/byte_delta_probe.cpp -o /tmp/byte_delta_probe -lzstd
//   /tmp/byte_delta_probe TARBALL... -- RAW_BTF...      (the same arguments as bench/cache_formats.cpp)
//
// Each kernel that is not the biggest of its directory is coded against that biggest one (the base):
// content-defined anchors (a gear hash over 64 bytes, one position in 2^ANCHOR_BITS) of the base go into
// a table built once per base; the kernel is scanned for anchors, each found anchor is extended both
// ways into a match, and after a match the scan tries to resume at the same alignment a few bytes on
// (a changed type id or string offset in an otherwise equal record). The matches are handed to
// ZSTD_compressSequences, which entropy-codes them and the unmatched bytes into a zstd frame that
// decodes against the base like the cache's deltas (checked here). It reports the share of the
// kernel's bytes in matches, the CPU time (this thread's) of finding and of coding, and the size.
// Environment: ANCHOR_BITS (6), MIN_MATCH (32), RESYNC (16).
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_Sequence, ZSTD_compressSequences, ZSTD_createCDict_advanced
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "bench_util.h"

namespace {

using bench::Bytes;
using bench::cpu_seconds;

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

struct Params {
  int anchor_bits = 6;
  size_t min_match = 32;
  size_t resync = 16;
};

std::vector<uint64_t> gear_table() {
  std::vector<uint64_t> gear(256);
  uint64_t state = 0x123456789abcdefULL;
  for (uint64_t& g : gear) {  // splitmix64
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    g = z ^ (z >> 31);
  }
  return gear;
}

// Anchors of the base: open addressing, a slot holds a 32-bit tag of the hash and the position.
struct AnchorIndex {
  std::vector<uint64_t> slots;
  size_t mask = 0;
};

uint64_t mixed(uint64_t h) { return h * 0x9E3779B97F4A7C15ULL; }
uint32_t tag_of(uint64_t k) { return static_cast<uint32_t>(k >> 32) | 1U; }

AnchorIndex index_anchors(const Bytes& base, const std::vector<uint64_t>& gear, const Params& params) {
  size_t capacity = 1;
  while (capacity < 2 * (base.size() >> params.anchor_bits)) capacity <<= 1;
  AnchorIndex index{std::vector<uint64_t>(capacity, 0), capacity - 1};
  const auto* b = reinterpret_cast<const uint8_t*>(base.data());
  const int shift = 64 - params.anchor_bits;
  uint64_t h = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    h = (h << 1) + gear[b[i]];
    if (i < 64 || (h >> shift) != 0) continue;
    const uint64_t k = mixed(h);
    const uint32_t tag = tag_of(k);
    for (size_t s = (k >> 20) & index.mask;; s = (s + 1) & index.mask) {
      if (index.slots[s] == 0) {
        index.slots[s] = (static_cast<uint64_t>(tag) << 32) | static_cast<uint32_t>(i);
        break;
      }
      if (static_cast<uint32_t>(index.slots[s] >> 32) == tag) break;  // the first occurrence stays
    }
  }
  return index;
}

size_t common_prefix(const uint8_t* a, const uint8_t* b, size_t n) {
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t x = 0, y = 0;
    std::memcpy(&x, a + k, 8);
    std::memcpy(&y, b + k, 8);
    if (x != y) return k + static_cast<size_t>(__builtin_ctzll(x ^ y) >> 3);
  }
  while (k < n && a[k] == b[k]) ++k;
  return k;
}

std::vector<ZSTD_Sequence> find_matches(const Bytes& base, const AnchorIndex& index, const Bytes& kernel,
                                        const std::vector<uint64_t>& gear, const Params& params) {
  std::vector<ZSTD_Sequence> sequences;
  const auto* b = reinterpret_cast<const uint8_t*>(base.data());
  const auto* m = reinterpret_cast<const uint8_t*>(kernel.data());
  const size_t nb = base.size(), nm = kernel.size();
  const int shift = 64 - params.anchor_bits;
  size_t literal_start = 0;
  auto emit = [&](size_t at, size_t base_at, size_t length) {
    ZSTD_Sequence s{};
    s.offset = static_cast<unsigned>(nb + at - base_at);  // the base precedes the kernel
    s.litLength = static_cast<unsigned>(at - literal_start);
    s.matchLength = static_cast<unsigned>(length);
    sequences.push_back(s);
    literal_start = at + length;
  };
  uint64_t h = 0;
  size_t hashed_from = 0;
  for (size_t i = 0; i < nm; ++i) {
    h = (h << 1) + gear[m[i]];
    if (i - hashed_from < 64 || (h >> shift) != 0) continue;
    const uint64_t k = mixed(h);
    const uint32_t tag = tag_of(k);
    size_t q = SIZE_MAX;
    for (size_t s = (k >> 20) & index.mask; index.slots[s] != 0; s = (s + 1) & index.mask) {
      if (static_cast<uint32_t>(index.slots[s] >> 32) == tag) {
        q = static_cast<uint32_t>(index.slots[s]);
        break;
      }
    }
    if (q == SIZE_MAX) continue;
    size_t at = i, base_at = q;
    while (at > literal_start && base_at > 0 && m[at - 1] == b[base_at - 1]) --at, --base_at;
    const size_t length = (i - at) + common_prefix(m + i, b + q, std::min(nm - i, nb - q));
    if (length < params.min_match) continue;
    emit(at, base_at, length);
    size_t end = at + length, base_end = base_at + length;
    for (bool resumed = true; resumed;) {  // the same alignment a few bytes on
      resumed = false;
      for (size_t skip = 1; skip <= params.resync && end + skip < nm && base_end + skip < nb; ++skip) {
        const size_t n = common_prefix(m + end + skip, b + base_end + skip, std::min(nm - end, nb - base_end) - skip);
        if (n < 8) continue;
        emit(end + skip, base_end + skip, n);
        end += skip + n;
        base_end += skip + n;
        resumed = true;
        break;
      }
    }
    i = end - 1;  // the loop's ++i: scanning resumes at the match's end, with a fresh hash
    hashed_from = end;
    h = 0;
  }
  return sequences;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Kernels kernels = bench::read_kernels(argc, argv);
  const std::vector<bench::Bytes>& tarballs = kernels.tarballs;
  const std::vector<bench::Bytes>& raws = kernels.raws;
  if (!kernels.paired()) {
    std::fprintf(stderr, "usage: %s TARBALL... -- RAW_BTF... (as many of each, in the same order)\n", argv[0]);
    return 2;
  }
  Params params;
  params.anchor_bits = env_int("ANCHOR_BITS", params.anchor_bits);
  params.min_match = static_cast<size_t>(env_int("MIN_MATCH", static_cast<int>(params.min_match)));
  params.resync = static_cast<size_t>(env_int("RESYNC", static_cast<int>(params.resync)));
  const std::vector<uint64_t> gear = gear_table();

  const std::vector<size_t> biggest = kernels.biggest_of_directory();

  std::map<size_t, AnchorIndex> indexes;
  std::map<size_t, ZSTD_CDict*> dictionaries;  // for ZSTD_compressSequences to reach into the base
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  double index_time = 0, find_time = 0, code_time = 0;
  size_t deltas = 0, matched = 0, total = 0, bytes = 0, delta_tarballs = 0, failures = 0;
  for (size_t k = 0; k < raws.size(); ++k) {
    const size_t b = biggest[k];
    if (b == k) continue;
    const Bytes& kernel = raws[k];
    ++deltas;
    delta_tarballs += tarballs[k].size();
    double t0 = cpu_seconds();
    if (indexes.count(b) == 0) {
      indexes[b] = index_anchors(raws[b], gear, params);
      ZSTD_compressionParameters p = ZSTD_getCParams(1, 0, 0);
      p.windowLog = 24;
      p.hashLog = p.chainLog = 6;  // no table to fill: the sequences are ours
      dictionaries[b] = ZSTD_createCDict_advanced(raws[b].data(), raws[b].size(), ZSTD_dlm_byRef, ZSTD_dct_rawContent,
                                                  p, ZSTD_defaultCMem);
    }
    index_time += cpu_seconds() - t0;
    t0 = cpu_seconds();
    const std::vector<ZSTD_Sequence> sequences = find_matches(raws[b], indexes[b], kernel, gear, params);
    find_time += cpu_seconds() - t0;
    for (const ZSTD_Sequence& s : sequences) matched += s.matchLength;
    total += kernel.size();
    Bytes out(ZSTD_compressBound(kernel.size())), back(kernel.size());
    t0 = cpu_seconds();
    ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 24);
    ZSTD_CCtx_setParameter(c, ZSTD_c_minMatch, 3);
    ZSTD_CCtx_setParameter(c, ZSTD_c_validateSequences, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
    ZSTD_CCtx_refCDict(c, dictionaries[b]);
    const size_t n = ZSTD_compressSequences(c, out.data(), out.size(), sequences.data(), sequences.size(),
                                            kernel.data(), kernel.size());
    code_time += cpu_seconds() - t0;
    if (ZSTD_isError(n)) {
      std::fprintf(stderr, "%s: %s\n", kernels.paths[k].c_str(), ZSTD_getErrorName(n));
      return 1;
    }
    bytes += n;
    ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters);
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 24);
    ZSTD_DCtx_refPrefix(d, raws[b].data(), raws[b].size());
    const size_t r = ZSTD_decompressDCtx(d, back.data(), back.size(), out.data(), n);
    if (ZSTD_isError(r) || back != kernel) ++failures;
  }
  // The reference: what the cache does, zstd level 1 with long-distance matching, the base as prefix.
  double ldm_time = 0;
  size_t ldm_bytes = 0;
  for (size_t k = 0; k < raws.size(); ++k) {
    const size_t b = biggest[k];
    if (b == k) continue;
    Bytes out(ZSTD_compressBound(raws[k].size()));
    const double t0 = cpu_seconds();
    ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 24);
    ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, 1);
    ZSTD_CCtx_refPrefix(c, raws[b].data(), raws[b].size());
    const size_t n = ZSTD_compress2(c, out.data(), out.size(), raws[k].data(), raws[k].size());
    ldm_time += cpu_seconds() - t0;
    if (!ZSTD_isError(n)) ldm_bytes += n;
  }
  for (auto& [_, dictionary] : dictionaries) ZSTD_freeCDict(dictionary);
  ZSTD_freeCCtx(c);
  ZSTD_freeDCtx(d);
  if (deltas == 0) {
    std::fprintf(stderr, "no directory holds two kernels\n");
    return 2;
  }
  std::printf("anchor 1/%d, matches >= %zu bytes, resync within %zu: %zu kernels against their directory's biggest\n",
              1 << params.anchor_bits, params.min_match, params.resync, deltas);
  std::printf(
      "bytes in matches %.1f%%; find %.1f ms/kernel, code %.1f ms/kernel (+ %.1f ms once per base); "
      "size %.2f x their tarballs; round trips failed: %zu\n",
      100.0 * static_cast<double>(matched) / static_cast<double>(total), find_time * 1000 / deltas,
      code_time * 1000 / deltas, index_time * 1000 / static_cast<double>(indexes.size()),
      static_cast<double>(bytes) / static_cast<double>(delta_tarballs), failures);
  std::printf("the cache's delta (zstd level 1, long-distance matching): %.1f ms/kernel, size %.2f x their tarballs\n",
              ldm_time * 1000 / deltas, static_cast<double>(ldm_bytes) / static_cast<double>(delta_tarballs));
  return failures == 0 ? 0 : 1;
}
