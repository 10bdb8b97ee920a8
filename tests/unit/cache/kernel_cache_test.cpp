// The kernel cache (cache/kernel_cache.cpp, cache/cache_entry.cpp, cache/cached_load.cpp,
// cache/cache_admin.cpp) at library level, on a crafted kernel (tests/bpf/targets/base.btf) in a
// tarball: a hit gives the same BTF as the tarball; a touched tarball still hits; a replaced one
// (same size, same mtime, other bytes) never does; corrupt, truncated, foreign and oversized entries
// and a directory in an entry's place are rejected and the tarball used; eviction keeps the most
// recently used entries under the cap; an unwritable directory is one warning; stats and clean
// count and remove only entries. Kernels of one directory: the first is stored alone (the base), the
// others against it (deltas), a fraction of its size; a delta whose base is damaged, missing or
// itself a delta is rejected and the tarball used; eviction keeps a base while its deltas are used
// and removes a delta without its base first.
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
    // Compressed data garbled (64 bytes before the frame's end; a single flipped bit may land in
    // bits zstd never reads): a decoding error or zstd's checksum of the content catches it.
    Bytes b = test::read_file_bytes(entry);
    ASSERT_GT(b.size(), 512u);
    for (size_t i = b.size() - 68; i < b.size() - 4; ++i) b[i] ^= 0x5a;
    write_file(entry, b);
  });
}

TEST_F(KernelCacheTest, BitFlipInTheFrameChecksumIsRejected) {
  damage_and_check(*this, [](const std::string& entry) {
    Bytes b = test::read_file_bytes(entry);
    b[b.size() - 3] ^= 0x10;  // the frame's last 4 bytes: its checksum, which the header repeats
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

// base.btf with the last name's last letter set to LETTER: a distinct kernel of nearly the same bytes.
Bytes variant(const Bytes& btf, char letter) {
  Bytes b = btf;
  b[b.size() - 2] = static_cast<uint8_t>(letter);
  return b;
}

// The entry files in DIR that are not in BEFORE.
std::vector<std::string> new_entries(const std::string& dir, const std::vector<std::string>& before) {
  std::vector<std::string> out;
  for (const auto& e : entries_in(dir))
    if (std::find(before.begin(), before.end(), e) == before.end()) out.push_back(e);
  return out;
}

TEST_F(KernelCacheTest, EvictionKeepsTheMostRecentlyUsedUnderTheCap) {
  // One kernel per directory: every entry stands alone (deltas have their own test below).
  std::vector<std::string> tarballs;
  for (int i = 0; i < 3; ++i) {
    fs::create_directory(t.file("d" + std::to_string(i)));
    tarballs.push_back(t.file("d" + std::to_string(i) + "/k.btf.tar.xz"));
    write_tarball(tarballs.back(), variant(base, static_cast<char>('a' + i)), true);
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

// Three kernels of one directory, stored in order: entries[0] is the base, 1 and 2 its deltas.
struct Siblings {
  std::vector<std::string> tarballs;
  std::vector<Bytes> btfs;
  std::vector<std::string> entries;
};
Siblings store_siblings(KernelCacheTest& f) {
  Siblings s;
  KernelCache cache(f.options());
  for (int i = 0; i < 3; ++i) {
    s.btfs.push_back(variant(f.base, static_cast<char>('a' + i)));
    s.tarballs.push_back(f.t.file("s" + std::to_string(i) + ".btf.tar.xz"));
    write_tarball(s.tarballs.back(), s.btfs.back(), true);
    const auto before = entries_in(f.t.file("cache"));
    EXPECT_FALSE(f.load(cache, s.tarballs.back()).hit);
    const auto added = new_entries(f.t.file("cache"), before);
    EXPECT_EQ(added.size(), 1u);
    if (!added.empty()) s.entries.push_back(added[0]);
  }
  return s;
}

TEST_F(KernelCacheTest, KernelsOfOneDirectoryAreStoredAgainstTheFirst) {
  const Siblings s = store_siblings(*this);
  ASSERT_EQ(s.entries.size(), 3u);
  const CacheStats stats = cache_stats(t.file("cache"));
  EXPECT_EQ(stats.entries, 3u);
  EXPECT_EQ(stats.deltas, 2u);
  EXPECT_EQ(stats.btf_bytes, 3 * base.size());
  // A delta holds what differs from its base (one letter), not the kernel again.
  EXPECT_LT(fs::file_size(s.entries[1]) * 4, fs::file_size(s.entries[0]));
  EXPECT_LT(fs::file_size(s.entries[2]) * 4, fs::file_size(s.entries[0]));

  // Another run (nothing in memory): every kernel hits with its own bytes, deltas first.
  events.clear();
  KernelCache cache(options());
  for (const int i : {2, 1, 0}) {
    const CachedKernel k = load(cache, s.tarballs[i]);
    EXPECT_TRUE(k.hit) << i;
    EXPECT_EQ(raw_of(k.btf), s.btfs[i]) << i;
  }
  EXPECT_EQ(cache.counters().hits, 3u);
  EXPECT_EQ(cache.counters().rejected, 0u);
}

// A delta whose base entry was damaged by DAMAGE: rejected (naming the base), the tarball used and
// the entry rewritten; never the wrong bytes.
void damage_base_and_check(KernelCacheTest& f, const std::function<void(const Siblings&)>& damage,
                           const std::string& why) {
  const Siblings s = store_siblings(f);
  ASSERT_EQ(s.entries.size(), 3u);
  damage(s);
  f.events.clear();
  KernelCache cache(f.options());
  const CachedKernel k = f.load(cache, s.tarballs[1]);
  EXPECT_FALSE(k.hit);
  EXPECT_EQ(raw_of(k.btf), s.btfs[1]);
  ASSERT_EQ(f.count(CacheEvent::Kind::Rejected), 1u);
  for (const auto& e : f.events) {
    if (e.kind != CacheEvent::Kind::Rejected) continue;
    EXPECT_NE(e.detail.find(s.entries[1] + ": its base " + s.entries[0]), std::string::npos) << e.detail;
    EXPECT_NE(e.detail.find(why), std::string::npos) << e.detail;
  }
  const CachedKernel healed = f.load(cache, s.tarballs[1]);
  EXPECT_TRUE(healed.hit);
  EXPECT_EQ(raw_of(healed.btf), s.btfs[1]);
}

TEST_F(KernelCacheTest, DeltaWithADamagedBaseIsRejected) {
  damage_base_and_check(
      *this,
      [](const Siblings& s) {
        Bytes b = test::read_file_bytes(s.entries[0]);
        b[b.size() - 3] ^= 0x10;
        write_file(s.entries[0], b);
      },
      "zstd");
}

TEST_F(KernelCacheTest, DeltaWithoutItsBaseIsRejected) {
  damage_base_and_check(*this, [](const Siblings& s) { fs::remove(s.entries[0]); }, "missing");
}

TEST_F(KernelCacheTest, DeltaWhoseBaseIsItselfADeltaIsRejected) {
  // s0's entry rewritten as a delta against another kernel of its directory: s1's base is now a
  // delta, which a base may never be (reading any entry takes at most two frames).
  damage_base_and_check(
      *this,
      [this](const Siblings& s) {
        const std::string other = t.file("z.btf.tar.xz");
        write_tarball(other, variant(base, 'z'), true);
        fs::remove(s.entries[0]);
        KernelCache cache(options());
        load(cache, other);          // the directory's base this time
        load(cache, s.tarballs[0]);  // s0 stored against it
        EXPECT_EQ(cache_stats(t.file("cache")).deltas, 3u);
      },
      "not a standalone entry");
}

TEST_F(KernelCacheTest, EvictionKeepsABaseWhileItsDeltasAreUsed) {
  const Siblings s = store_siblings(*this);
  ASSERT_EQ(s.entries.size(), 3u);
  // A lone kernel in another directory, and ages: the base oldest, the lone kernel next, the deltas
  // youngest. By its own mtime the base would go first; it is as young as its youngest delta.
  fs::create_directory(t.file("other"));
  const std::string lone = t.file("other/k.btf.tar.xz");
  write_tarball(lone, variant(base, 'q'), true);
  const auto before = entries_in(t.file("cache"));
  {
    KernelCache cache(options());
    load(cache, lone);
  }
  const auto lone_entry = new_entries(t.file("cache"), before);
  ASSERT_EQ(lone_entry.size(), 1u);
  auto age = [](const std::string& path, time_t when) {
    const struct timespec times[2] = {{when, 0}, {when, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  };
  age(s.entries[0], 1000);
  age(lone_entry[0], 2000);
  age(s.entries[1], 3000);
  age(s.entries[2], 3000);
  uint64_t all = 0;
  for (const auto& e : entries_in(t.file("cache"))) all += fs::file_size(e);
  CacheOptions capped = options();
  capped.max_bytes = all - 1;  // one entry must go
  {
    KernelCache cache(capped);
    cache.evict();
    EXPECT_EQ(cache.counters().evicted, 1u);
  }
  EXPECT_FALSE(test::file_exists(lone_entry[0]));
  EXPECT_TRUE(test::file_exists(s.entries[0]));

  // Without its base a delta is of no use: it goes before anything else, however young (here before
  // a lone kernel's entry older than every other).
  fs::remove(s.entries[0]);
  fs::create_directory(t.file("third"));
  const std::string oldest = t.file("third/k.btf.tar.xz");
  write_tarball(oldest, variant(base, 'r'), true);
  const auto before_oldest = entries_in(t.file("cache"));
  {
    KernelCache cache(options());
    load(cache, oldest);
  }
  const auto oldest_entry = new_entries(t.file("cache"), before_oldest);
  ASSERT_EQ(oldest_entry.size(), 1u);
  age(oldest_entry[0], 500);
  all = 0;
  for (const auto& e : entries_in(t.file("cache"))) all += fs::file_size(e);
  capped.max_bytes = all - 1;
  KernelCache cache(capped);
  cache.evict();
  EXPECT_EQ(cache.counters().evicted, 1u);
  EXPECT_EQ(entries_in(t.file("cache")).size(), 2u);
  EXPECT_TRUE(test::file_exists(oldest_entry[0]));
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
