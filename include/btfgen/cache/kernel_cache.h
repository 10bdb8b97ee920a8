// The kernel cache: each tarball kernel's decompressed BTF member, kept in a directory in a form much
// faster to read than xz (zstd level 1), so that a rebuild over the same kernels skips xz (docs/cache.md).
// The first kernel of a directory stored in a run is kept alone (a base); the others of that
// directory are compressed against it (deltas), a third of the size: btfhub's kernels of one release
// share nearly all their types.
//
// Rules:
//   - An entry is keyed by the tarball's content: its size and the SHA-256 of its bytes (hashed every
//     run; ~1 ms a kernel). A touched tarball with the same bytes still hits; other bytes never do,
//     whatever their size and mtime.
//   - Every entry is verified before use: magic, version, codec, the key, a CRC of the header, sizes
//     capped by max_input_size (claims, never trusted for allocation), and the zstd frame's checksum of
//     the decompressed bytes. Anything else (corrupt, truncated, foreign, not a regular file) is
//     reported once as Rejected and treated as a miss: never used, never fatal.
//   - Entries are written to a temporary file in the directory and renamed into place: concurrent
//     runs sharing the directory are safe without locks.
//   - A delta is read with its base, which must be a valid standalone entry; a delta whose base is
//     missing or damaged is rejected like a damaged entry (and rewritten from the tarball).
//   - A hit sets the entry's mtime to now; evict() removes the least recently used entries until the
//     directory holds at most max_bytes of entries. A base counts as used when any of its deltas
//     was, and a delta whose base is gone goes first. Only files that are entries by name and magic
//     are ever removed.
//   - A directory that cannot be created or written gives one warning(); the build goes on (lookups
//     still work if it can be read).
// The cache never throws out of lookup/store/evict and never logs: it reports through on_event.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "btfgen/input/kernel_btf.h"

namespace btfgen {

class MappedBytes;  // src/cache/mapped_bytes.h

inline constexpr uint64_t kDefaultCacheMax = uint64_t{2} << 30;  // 2 GiB of entries

// A tarball's content identity (its mtime is not part of it: a touched tarball is the same kernel).
struct CacheKey {
  uint64_t size = 0;
  std::array<uint8_t, 32> sha256{};
  bool operator==(const CacheKey&) const = default;
};

// What happened to one kernel or entry, for the caller to log (at debug level).
struct CacheEvent {
  enum class Kind { Hit, Miss, Rejected, Stored, StoreFailed, Evicted };
  Kind kind = Kind::Miss;
  std::string path;    // the kernel input; the entry file for Evicted
  std::string detail;  // Rejected, StoreFailed: why, naming the entry file
};
const char* cache_event_name(CacheEvent::Kind kind);

struct CacheCounters {
  size_t hits = 0, misses = 0, rejected = 0, stored = 0, store_failed = 0, evicted = 0;
  uint64_t evicted_bytes = 0;
};

struct CacheOptions {
  std::string dir;
  uint64_t max_bytes = kDefaultCacheMax;
  uint64_t max_input_size = kDefaultMaxInputSize;   // no entry may claim more decompressed bytes
  std::function<void(const CacheEvent&)> on_event;  // called serialized, from any thread
};

// An entry to write once the kernel's output is done (off the critical path).
struct PendingEntry {
  CacheKey key;
  TarballMember member;
  std::string origin;  // the tarball's path, for events
};

class KernelCache {
 public:
  // Creates the directory if needed and probes that it can be written; never throws for that.
  explicit KernelCache(CacheOptions options);
  ~KernelCache();
  KernelCache(const KernelCache&) = delete;
  KernelCache& operator=(const KernelCache&) = delete;

  const std::string& dir() const { return options_.dir; }
  uint64_t max_input_size() const { return options_.max_input_size; }
  // Non-empty (one line naming the directory) when entries cannot be written this run.
  std::vector<std::string> warnings() const;

  // The verified member cached for KEY, or nullopt (a miss, or a rejected entry). ORIGIN: the
  // tarball's path, for events.
  std::optional<TarballMember> lookup(const CacheKey& key, const std::string& origin);
  // Writes ENTRY atomically; failures are reported, never thrown.
  void store(const PendingEntry& entry);
  // Removes least recently used entries until at most max_bytes remain (end of a run).
  void evict();
  CacheCounters counters() const;

 private:
  // A standalone entry's member held in memory: what this run's new entries of its directory are
  // written against, and what delta entries read this run decode with.
  struct Base {
    CacheKey key;
    std::string group;                         // the directory of the tarball it belongs to
    std::shared_ptr<const MappedBytes> bytes;  // outside the heap: it outlives many kernels
    uint32_t checksum = 0;
  };
  static constexpr size_t kMaxBases = 2;  // bases held at once: the build takes one directory at a time

  void report(const CacheEvent& event);
  void store_failed(const PendingEntry& entry, const std::string& why);
  std::string entry_path(const CacheKey& key) const;
  // The base entry KEY, from memory or read and verified from its file; a failure says why.
  std::optional<Base> load_base(const CacheKey& key, const std::string& group, std::string& why);
  std::optional<Base> base_of_group(const std::string& group);
  void remember_base(Base base);

  CacheOptions options_;
  int dir_fd_ = -1;  // the cache directory, where entries are written (closed by the destructor)
  bool writable_ = false;
  std::string warning_;        // the directory cannot be written
  std::string write_warning_;  // the first write that failed in a writable directory
  mutable std::mutex mutex_;   // guards counters_, write_warning_ and on_event
  CacheCounters counters_;
  std::mutex bases_mutex_;  // guards bases_ (never held while reading or writing a file)
  std::deque<Base> bases_;  // most recently used last
};

}  // namespace btfgen
