// `btfgen cache stats|clean`: what a cache directory holds, and emptying it. Only files that are
// entries by name and magic (and btfgen's own temporary files) are counted as entries or removed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace btfgen {

struct CacheStats {
  size_t entries = 0;
  size_t deltas = 0;                             // entries stored against a base entry
  uint64_t entry_bytes = 0;                      // on disk
  uint64_t btf_bytes = 0;                        // decompressed BTF the entries hold (their headers' claim)
  size_t temporary = 0;                          // unfinished writes (a run in progress, or killed)
  size_t foreign = 0;                            // anything else in the directory: never touched
  int64_t oldest_use_ns = 0, newest_use_ns = 0;  // entries' mtimes (last hit or write)
};

// Throws btfgen::Error naming DIR when it cannot be read.
CacheStats cache_stats(const std::string& dir);

struct CacheCleaned {
  size_t removed = 0;
  uint64_t removed_bytes = 0;
  size_t kept = 0;                  // files left alone: not entries of ours
  std::vector<std::string> errors;  // entries that could not be removed, naming them
};

// Removes every entry and temporary file of ours in DIR; nothing else. Throws btfgen::Error naming
// DIR when it cannot be read.
CacheCleaned clean_cache(const std::string& dir);

}  // namespace btfgen
