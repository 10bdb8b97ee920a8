// bench/cache_formats.cpp: how fast each candidate format of a kernel cache entry reads, and how big
// it is, on real kernels (the numbers behind the choice in BENCHMARKS.md, "Kernel cache").
//
//   c++ -O2 -std=c++20 bench/cache_formats.cpp -o /tmp/cache_formats -lzstd -llz4 -llzma -lcrypto
//   set -- ARCHIVE/*/*/x86_64/*.btf.tar.xz; mkdir -p /tmp/raw
//   for f; do tar -xOJf "$f" > /tmp/raw/$(echo "$f" | tr / _).btf; done
//   /tmp/cache_formats "$@" -- $(for f; do echo /tmp/raw/$(echo "$f" | tr / _).btf; done)
//
// The raw BTF files are given in the order of the tarballs they came from. The "sibling" rows code
// each kernel against the kernel before it in the same directory (the way btfhub groups builds of one
// distribution release), the first of each directory alone: what a cache of deltas would cost.
//
// Times are CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), so other jobs on a shared host
// disturb them less than wall time; per kernel, averaged over all kernels given.
#include <lz4.h>
#include <lzma.h>
#include <openssl/evp.h>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_createCDict_advanced, ZSTD_c_forceAttachDict
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bench_util.h"

namespace {

using bench::Bytes;
using bench::cpu_seconds;

// Decompresses one frame (against PREFIX when there is one), checks it gives ORIGINAL back, and
// returns the CPU seconds it took.
double zstd_read(ZSTD_DCtx* d, const Bytes& frame, size_t n, const Bytes& original, const Bytes* prefix,
                 const char* what) {
  Bytes back(original.size());
  const double t0 = cpu_seconds();
  ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters);
  ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 24);
  if (prefix != nullptr) ZSTD_DCtx_refPrefix(d, prefix->data(), prefix->size());
  ZSTD_decompressDCtx(d, back.data(), back.size(), frame.data(), n);
  const double seconds = cpu_seconds() - t0;
  if (back != original) std::fprintf(stderr, "%s round trip failed\n", what);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Kernels kernels = bench::read_kernels(argc, argv);
  const std::vector<Bytes>& tarballs = kernels.tarballs;
  const std::vector<Bytes>& raws = kernels.raws;
  if (tarballs.empty() || raws.empty()) {
    std::fprintf(stderr, "usage: %s TARBALL... -- RAW_BTF...\n", argv[0]);
    return 2;
  }
  size_t archive = 0, raw = 0;
  for (const auto& t : tarballs) archive += t.size();
  for (const auto& r : raws) raw += r.size();
  std::printf("| format | read (decompress) ms/kernel | write (compress) ms/kernel | bytes / archive bytes |\n");
  std::printf("|---|---|---|---|\n");

  double xz = 0;
  for (const auto& t : tarballs) {
    std::vector<uint8_t> out(256 << 20);
    size_t in_pos = 0, out_pos = 0;
    uint64_t memlimit = UINT64_MAX;
    const double t0 = cpu_seconds();
    if (lzma_stream_buffer_decode(&memlimit, 0, nullptr, reinterpret_cast<const uint8_t*>(t.data()), &in_pos, t.size(),
                                  out.data(), &out_pos, out.size()) != LZMA_OK)
      std::fprintf(stderr, "xz decode failed\n");
    xz += cpu_seconds() - t0;
  }
  std::printf("| xz (the archive's .tar.xz) | %.1f | - | 1.00 |\n", xz * 1000 / tarballs.size());

  for (const int level : {-7, -1, 1, 3, 6}) {
    size_t bytes = 0;
    double write = 0, read = 0;
    ZSTD_CCtx* c = ZSTD_createCCtx();
    ZSTD_DCtx* d = ZSTD_createDCtx();
    for (const auto& r : raws) {
      Bytes out(ZSTD_compressBound(r.size()));
      const double t0 = cpu_seconds();
      const size_t n = ZSTD_compressCCtx(c, out.data(), out.size(), r.data(), r.size(), level);
      write += cpu_seconds() - t0;
      bytes += n;
      read += zstd_read(d, out, n, r, nullptr, "zstd");
    }
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
    std::printf("| zstd level %d | %.1f | %.1f | %.2f |\n", level, read * 1000 / raws.size(),
                write * 1000 / raws.size(), static_cast<double>(bytes) / archive);
  }
  // Against the previous kernel of the same directory: zstd with that kernel as a raw prefix, with and
  // without long-distance matching (a kernel's types move by a few ids between builds, so its bytes
  // match its sibling's only in long runs zstd's fast levels do not look for).
  if (kernels.paired()) {
    for (const auto& [level, ldm] : {std::pair{1, 0}, {1, 1}, {-1, 1}, {3, 1}}) {
      size_t bytes = 0;
      double write = 0, read = 0;
      ZSTD_CCtx* c = ZSTD_createCCtx();
      ZSTD_DCtx* d = ZSTD_createDCtx();
      for (size_t k = 0; k < raws.size(); ++k) {
        const Bytes& r = raws[k];
        const Bytes* sibling = k > 0 && kernels.directory(k) == kernels.directory(k - 1) ? &raws[k - 1] : nullptr;
        Bytes out(ZSTD_compressBound(r.size()));
        const double t0 = cpu_seconds();
        ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 24);
        ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, ldm);
        if (sibling != nullptr) ZSTD_CCtx_refPrefix(c, sibling->data(), sibling->size());
        const size_t n = ZSTD_compress2(c, out.data(), out.size(), r.data(), r.size());
        write += cpu_seconds() - t0;
        bytes += n;
        read += zstd_read(d, out, n, r, sibling, "zstd sibling");
      }
      ZSTD_freeCCtx(c);
      ZSTD_freeDCtx(d);
      std::printf("| zstd level %d against the sibling%s | %.1f | %.1f | %.2f |\n", level,
                  ldm ? ", long-distance matching" : "", read * 1000 / raws.size(), write * 1000 / raws.size(),
                  static_cast<double>(bytes) / archive);
    }
  }
  // Against the biggest kernel of the directory through a prepared zstd dictionary (a CDict built once per
  // directory and attached, so no kernel pays for indexing the base): without long-distance matching, a
  // 5 MB base is only found with a hash table as large as the base, and filling and probing one that size
  // misses the CPU caches at every position.
  if (kernels.paired()) {
    const std::vector<size_t> base = kernels.biggest_of_directory();
    for (const unsigned hash_log : {17U, 20U, 22U}) {
      size_t bytes = 0;
      double write = 0, read = 0;
      ZSTD_CCtx* c = ZSTD_createCCtx();
      ZSTD_DCtx* d = ZSTD_createDCtx();
      std::vector<ZSTD_CDict*> dicts(raws.size(), nullptr);
      for (size_t k = 0; k < raws.size(); ++k) {
        const Bytes& r = raws[k];
        const size_t b = base[k];
        Bytes out(ZSTD_compressBound(r.size()));
        const double t0 = cpu_seconds();
        ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
        if (b != k) {
          if (dicts[b] == nullptr) {
            ZSTD_compressionParameters p = ZSTD_getCParams(1, r.size(), raws[b].size());
            p.hashLog = hash_log;
            p.windowLog = 24;
            dicts[b] = ZSTD_createCDict_advanced(raws[b].data(), raws[b].size(), ZSTD_dlm_byRef, ZSTD_dct_rawContent, p,
                                                 ZSTD_defaultCMem);
          }
          ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 24);
          ZSTD_CCtx_setParameter(c, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
          ZSTD_CCtx_refCDict(c, dicts[b]);
        }
        const size_t n = ZSTD_compress2(c, out.data(), out.size(), r.data(), r.size());
        write += cpu_seconds() - t0;
        bytes += n;
        read += zstd_read(d, out, n, r, b != k ? &raws[b] : nullptr, "zstd dictionary");
      }
      for (ZSTD_CDict* dict : dicts) ZSTD_freeCDict(dict);
      ZSTD_freeCCtx(c);
      ZSTD_freeDCtx(d);
      std::printf(
          "| zstd level 1 against the directory's biggest kernel as a prepared dictionary, hash table 2^%u "
          "(dictionary built once per directory, counted) | %.1f | %.1f | %.2f |\n",
          hash_log, read * 1000 / raws.size(), write * 1000 / raws.size(), static_cast<double>(bytes) / archive);
    }
  }
  for (const int acceleration : {1, 4}) {
    size_t bytes = 0;
    double write = 0, read = 0;
    for (const auto& r : raws) {
      Bytes out(LZ4_compressBound(static_cast<int>(r.size()))), back(r.size());
      double t0 = cpu_seconds();
      const int n = LZ4_compress_fast(r.data(), out.data(), static_cast<int>(r.size()), static_cast<int>(out.size()),
                                      acceleration);
      write += cpu_seconds() - t0;
      bytes += static_cast<size_t>(n);
      t0 = cpu_seconds();
      LZ4_decompress_safe(out.data(), back.data(), n, static_cast<int>(back.size()));
      read += cpu_seconds() - t0;
      if (back != r) std::fprintf(stderr, "lz4 round trip failed\n");
    }
    std::printf("| lz4 (acceleration %d) | %.1f | %.1f | %.2f |\n", acceleration, read * 1000 / raws.size(),
                write * 1000 / raws.size(), static_cast<double>(bytes) / archive);
  }
  {
    double read = 0;
    for (const auto& r : raws) {
      Bytes back(r.size());
      const double t0 = cpu_seconds();
      std::memcpy(back.data(), r.data(), r.size());
      read += cpu_seconds() - t0;
    }
    std::printf("| raw BTF (a copy; page cache) | %.1f | - | %.2f |\n", read * 1000 / raws.size(),
                static_cast<double>(raw) / archive);
  }
  // The cache's key and check: SHA-256 of the tarball (every run) and of the decompressed member.
  auto sha256_ms = [](const std::vector<Bytes>& files) {
    double total = 0;
    for (const auto& f : files) {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int length = 0;
      const double t0 = cpu_seconds();
      EVP_Digest(f.data(), f.size(), digest, &length, EVP_sha256(), nullptr);
      total += cpu_seconds() - t0;
    }
    return total * 1000 / files.size();
  };
  std::printf("\nSHA-256 per kernel: tarball %.2f ms, decompressed BTF %.2f ms\n", sha256_ms(tarballs),
              sha256_ms(raws));
  return 0;
}
