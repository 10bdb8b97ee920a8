// The kernel cache (cache/kernel_cache.cpp, cache/cache_entry.cpp, cache/cached_load.cpp,
// cache/cache_admin.cpp) at library level, on a crafted kernel (tests/bpf/targets/base.btf) in a
// tarball: a hit gives the same BTF as the tarball; a touched tarball still hits; a replaced one
// (same size, same mtime, other bytes) never does; corrupt, truncated, foreign and oversized entries
// and a directory in an entry's place are rejected and the tarball used; eviction keeps the most
// recently used entries under the cap; an unwritable directory is one warning; stats and clean
// count and remove only entries.
#include <archive.h>
#include <archive_entry.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "btfgen/cache.h"
#include "btfgen/common/error.h"
#include "test_support.h"

namespace btfgen {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;
using test::TempDir;

const std::string kBaseBtf = std::string(BTFGEN_TEST_DATA_DIR) + "/targets/base.btf";

void write_file(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// PATH: a tarball (xz-compressed when XZ) holding BTF as "vmlinux.btf".
void write_tarball(const std::string& path, const Bytes& btf, bool xz) {
  struct archive* a = archive_write_new();
  ASSERT_NE(a, nullptr);
  if (xz) {
    ASSERT_EQ(archive_write_add_filter_xz(a), ARCHIVE_OK);
  }
  ASSERT_EQ(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK) << archive_error_string(a);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "vmlinux.btf");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_mtime(e, 0, 0);
  archive_entry_set_size(e, static_cast<la_int64_t>(btf.size()));
  ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
  ASSERT_EQ(archive_write_data(a, btf.data(), btf.size()), static_cast<la_ssize_t>(btf.size()));
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
}

Bytes raw_of(const BtfPtr& btf) {
  uint32_t size = 0;
  const auto* p = static_cast<const uint8_t*>(btf__raw_data(btf.get(), &size));
  return p != nullptr ? Bytes(p, p + size) : Bytes{};
}

// base.btf with one type renamed: the same size, other bytes.
Bytes renamed(Bytes btf) {
  const std::string from = "mm_struct";
  const auto it = std::search(btf.begin(), btf.end(), from.begin(), from.end());
  EXPECT_NE(it, btf.end());
  if (it != btf.end()) *(it + static_cast<long>(from.size()) - 1) = 'u';  // mm_strucu
  return btf;
}

std::vector<std::string> entries_in(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().ends_with(".btfgen-cache")) names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct KernelCacheTest : ::testing::Test {
  void SetUp() override {
    base = test::read_file_bytes(kBaseBtf);
    tarball = t.file("k.btf.tar.xz");
    write_tarball(tarball, base, true);
  }
  CacheOptions options() {
    return {.dir = t.file("cache"), .on_event = [this](const CacheEvent& e) { events.push_back(e); }};
  }
  // Loads TARBALL through CACHE, storing its entry on a miss as the build does.
  CachedKernel load(KernelCache& cache, const std::string& path) {
    CachedKernel k = load_kernel_btf_cached(path, {}, &cache);
    if (k.pending) cache.store(*k.pending);
    return k;
  }
  size_t count(CacheEvent::Kind kind) const {
    return static_cast<size_t>(
        std::count_if(events.begin(), events.end(), [kind](const CacheEvent& e) { return e.kind == kind; }));
  }
  TempDir t;
  Bytes base;
  std::string tarball;
  std::vector<CacheEvent> events;
};

TEST_F(KernelCacheTest, SecondReadIsAHitWithTheSameBtf) {
  KernelCache cache(options());
  EXPECT_TRUE(cache.warnings().empty());
  const CachedKernel first = load(cache, tarball);
  EXPECT_FALSE(first.hit);
  EXPECT_EQ(raw_of(first.btf), base);
  ASSERT_EQ(entries_in(t.file("cache")).size(), 1u);

  const CachedKernel second = load(cache, tarball);
  EXPECT_TRUE(second.hit);
  EXPECT_FALSE(second.pending.has_value());
  EXPECT_EQ(raw_of(second.btf), base);
  const CacheCounters c = cache.counters();
  EXPECT_EQ(c.hits, 1u);
  EXPECT_EQ(c.misses, 1u);
  EXPECT_EQ(c.stored, 1u);
  EXPECT_EQ(c.rejected, 0u);
  EXPECT_EQ(count(CacheEvent::Kind::Hit), 1u);
}

TEST_F(KernelCacheTest, TouchedTarballStillHits) {
  KernelCache cache(options());
  load(cache, tarball);
  const struct timespec later[2] = {{0, UTIME_NOW}, {2'000'000'000, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, tarball.c_str(), later, 0), 0);
  const CachedKernel again = load(cache, tarball);
  EXPECT_TRUE(again.hit);
  EXPECT_EQ(raw_of(again.btf), base);
}

TEST_F(KernelCacheTest, ReplacedTarballWithSameSizeAndMtimeMisses) {
  // Uncompressed tar: other BTF bytes of the same length give a tarball of the very same size.
  const std::string plain = t.file("p.btf.tar");
  write_tarball(plain, base, false);
  KernelCache cache(options());
  EXPECT_FALSE(load(cache, plain).hit);
  EXPECT_TRUE(load(cache, plain).hit);
  struct stat before{};
  ASSERT_EQ(stat(plain.c_str(), &before), 0);

  const Bytes other = renamed(base);
  ASSERT_NE(other, base);
  write_tarball(plain, other, false);
  const struct timespec same[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, plain.c_str(), same, 0), 0);
  struct stat after{};
  ASSERT_EQ(stat(plain.c_str(), &after), 0);
  ASSERT_EQ(after.st_size, before.st_size);
  ASSERT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
  ASSERT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);

  const CachedKernel replaced = load(cache, plain);
  EXPECT_FALSE(replaced.hit);
  EXPECT_EQ(raw_of(replaced.btf), other);
  EXPECT_EQ(cache.counters().hits, 1u);
  // Both contents now have an entry, and each hits with its own bytes.
  EXPECT_EQ(entries_in(t.file("cache")).size(), 2u);
  const CachedKernel again = load(cache, plain);
  EXPECT_TRUE(again.hit);
  EXPECT_EQ(raw_of(again.btf), other);
}

// Each way an entry can be damaged: rejected once, the tarball used, the entry rewritten.
void damage_and_check(KernelCacheTest& f, const std::function<void(const std::string& entry)>& damage,
                      bool rewritten = true) {
  KernelCache cache(f.options());
  f.load(cache, f.tarball);
  const auto entries = entries_in(f.t.file("cache"));
  ASSERT_EQ(entries.size(), 1u);
  damage(entries[0]);

  const CachedKernel k = f.load(cache, f.tarball);
  EXPECT_FALSE(k.hit);
  EXPECT_EQ(raw_of(k.btf), f.base);
  EXPECT_EQ(cache.counters().rejected, 1u);
  EXPECT_EQ(f.count(CacheEvent::Kind::Rejected), 1u);
  for (const auto& e : f.events) {
    if (e.kind == CacheEvent::Kind::Rejected) {
      EXPECT_NE(e.detail.find(entries[0]), std::string::npos) << e.detail;
    }
  }
  if (rewritten) {
    const CachedKernel healed = f.load(cache, f.tarball);
    EXPECT_TRUE(healed.hit);
    EXPECT_EQ(raw_of(healed.btf), f.base);
  }
}

TEST_F(KernelCacheTest, BitFlipInThePayloadIsRejected) {
  damage_and_check(*this, [](const std::string& entry) {
    Bytes b = test::read_file_bytes(entry);
    b[b.size() - 3] ^= 0x10;
    write_file(entry, b);
  });
}

TEST_F(KernelCacheTest, BitFlipInTheHeaderIsRejected) {
  damage_and_check(*this, [](const std::string& entry) {
    Bytes b = test::read_file_bytes(entry);
    b[60] ^= 0x01;  // the stream size claim: caught by the header CRC
    write_file(entry, b);
  });
}

TEST_F(KernelCacheTest, TruncatedEntryIsRejected) {
  damage_and_check(*this, [](const std::string& entry) { fs::resize_file(entry, fs::file_size(entry) / 2); });
}

TEST_F(KernelCacheTest, EmptyEntryIsRejected) {
  damage_and_check(*this, [](const std::string& entry) { fs::resize_file(entry, 0); });
}

TEST_F(KernelCacheTest, ForeignEntryIsRejected) {
  // Another tarball's valid entry under this tarball's name: the key in its header differs.
  damage_and_check(*this, [this](const std::string& entry) {
    const std::string other = t.file("o.btf.tar.xz");
    write_tarball(other, renamed(base), true);
    KernelCache scratch({.dir = t.file("scratch")});
    const CachedKernel k = load_kernel_btf_cached(other, {}, &scratch);
    ASSERT_TRUE(k.pending.has_value());
    scratch.store(*k.pending);
    const auto entries = entries_in(t.file("scratch"));
    ASSERT_EQ(entries.size(), 1u);
    fs::copy_file(entries[0], entry, fs::copy_options::overwrite_existing);
  });
}

TEST_F(KernelCacheTest, DirectoryInAnEntrysPlaceIsRejectedAndLeftAlone) {
  damage_and_check(
      *this,
      [](const std::string& entry) {
        fs::remove(entry);
        fs::create_directory(entry);
      },
      false);
  EXPECT_EQ(count(CacheEvent::Kind::StoreFailed), 1u);
  EXPECT_TRUE(fs::is_directory(entries_in(t.file("cache"))[0]));
}

TEST_F(KernelCacheTest, EntryClaimingMoreThanTheCapIsNotUsed) {
  {
    KernelCache cache(options());
    load(cache, tarball);
  }
  // A cap between the tarball's size and its BTF's: the entry claims too much, and the kernel fails
  // exactly as the tarball alone would.
  const uint64_t cap = fs::file_size(tarball) + 1;
  ASSERT_LT(cap, base.size());
  CacheOptions small = options();
  small.max_input_size = cap;
  KernelCache cache(small);
  EXPECT_THROW(load_kernel_btf_cached(tarball, {.max_input_size = cap}, &cache), Error);
  EXPECT_EQ(cache.counters().rejected, 1u);
}

TEST_F(KernelCacheTest, EvictionKeepsTheMostRecentlyUsedUnderTheCap) {
  std::vector<std::string> tarballs;
  for (int i = 0; i < 3; ++i) {
    Bytes b = base;
    b[b.size() - 2] = static_cast<uint8_t>('a' + i);  // the last name's last letter: distinct kernels
    tarballs.push_back(t.file("k" + std::to_string(i) + ".btf.tar.xz"));
    write_tarball(tarballs.back(), b, true);
  }
  {
    KernelCache cache(options());
    for (const auto& k : tarballs) load(cache, k);
  }
  auto entries = entries_in(t.file("cache"));
  ASSERT_EQ(entries.size(), 3u);
  // Entry ages: written long ago, then k0 and k2 used again (hits make an entry young).
  for (const auto& e : entries) {
    const struct timespec old[2] = {{1000, 0}, {1000, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, e.c_str(), old, 0), 0);
  }
  uint64_t one = fs::file_size(entries[0]);
  for (const auto& e : entries) one = std::max<uint64_t>(one, fs::file_size(e));
  CacheOptions capped = options();
  capped.max_bytes = 2 * one;
  KernelCache cache(capped);
  EXPECT_TRUE(load(cache, tarballs[0]).hit);
  EXPECT_TRUE(load(cache, tarballs[2]).hit);
  cache.evict();
  EXPECT_EQ(cache.counters().evicted, 1u);
  EXPECT_EQ(entries_in(t.file("cache")).size(), 2u);
  EXPECT_FALSE(load(cache, tarballs[1]).hit);  // the least recently used one went
  EXPECT_TRUE(load(cache, tarballs[0]).hit);
}

TEST_F(KernelCacheTest, UnwritableDirectoryIsOneWarningAndStillLoads) {
  write_file(t.file("plain-file"), {1, 2, 3});
  CacheOptions o = options();
  o.dir = t.file("plain-file/cache");  // its parent is a regular file: even root cannot create it
  KernelCache cache(o);
  const auto warnings = cache.warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(o.dir), std::string::npos) << warnings[0];
  for (int i = 0; i < 2; ++i) {
    const CachedKernel k = load(cache, tarball);
    EXPECT_FALSE(k.hit);
    EXPECT_EQ(raw_of(k.btf), base);
  }
  cache.evict();
  EXPECT_EQ(cache.warnings().size(), 1u);
  EXPECT_EQ(cache.counters().stored, 0u);
}

TEST_F(KernelCacheTest, RawBtfIsNotCached) {
  KernelCache cache(options());
  const CachedKernel k = load(cache, kBaseBtf);
  EXPECT_FALSE(k.hit);
  EXPECT_FALSE(k.pending.has_value());
  EXPECT_EQ(raw_of(k.btf), base);
  EXPECT_TRUE(events.empty());
}

TEST_F(KernelCacheTest, StatsAndCleanTouchOnlyEntries) {
  {
    KernelCache cache(options());
    load(cache, tarball);
  }
  const std::string dir = t.file("cache");
  write_file(dir + "/notes.txt", {'h', 'i'});
  // Named like an entry, but not one of ours by content: never counted as an entry, never removed.
  const std::string impostor = dir + "/" + std::string(64, 'a') + ".btfgen-cache";
  write_file(impostor, {'n', 'o', 't', ' ', 'o', 'u', 'r', 's'});

  const CacheStats s = cache_stats(dir);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.foreign, 2u);
  EXPECT_EQ(s.btf_bytes, base.size());
  EXPECT_GT(s.entry_bytes, 0u);
  EXPECT_LT(s.entry_bytes, base.size() + 4096);

  const CacheCleaned c = clean_cache(dir);
  EXPECT_EQ(c.removed, 1u);
  EXPECT_EQ(c.kept, 2u);
  EXPECT_TRUE(c.errors.empty());
  EXPECT_TRUE(test::file_exists(dir + "/notes.txt"));
  EXPECT_TRUE(test::file_exists(impostor));
  EXPECT_EQ(cache_stats(dir).entries, 0u);
  EXPECT_THROW(cache_stats(t.file("missing")), Error);
}

}  // namespace
}  // namespace btfgen
