// The `btfgen build` run: plan from the state, a pool of workers, per-kernel reports (build_runner.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "btfgen/build/archive_walker.h"
#include "btfgen/build/build_state.h"
#include "btfgen/build/kernel_record.h"
#include "btfgen/cache/kernel_cache.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"
#include "btfgen/minimize/object_set.h"

namespace btfgen {

struct BuildOptions {
  std::string output_dir;
  std::string arch;
  unsigned jobs = 1;
  std::string fingerprint;  // object_set_fingerprint() of the objects
  std::string state_path;   // empty: state_file_path(output_dir, arch)
  std::string arch_dir;     // the walk's WalkOptions::arch_dir (kept as a valid state spelling)
  uint64_t max_input_size = kDefaultMaxInputSize;
  bool wait_lock = false;  // another build holds the output directory: wait instead of failing
  // --preserve-decisions (minimize_kernel); part of the fingerprint too, so outputs made without it
  // are rebuilt.
  bool preserve_decisions = false;
  // A report is wanted: every selected kernel is decided (none is answered from the state; an
  // unchanged output is still left untouched) and handed to BuildCallbacks::on_decided.
  bool decide = false;
  std::string cache_dir;  // the kernel cache (docs/cache.md); empty: none
  uint64_t cache_max = kDefaultCacheMax;
};

struct BuildCallbacks {
  // Called once, after planning, with the number of selected kernels.
  std::function<void(size_t total)> on_start;
  // Called for every selected kernel as it finishes (also those taken from the state), serialized
  // (never concurrently), from whichever thread finished it.
  std::function<void(const KernelRecord& kernel, size_t done, size_t total)> on_kernel;
  // With BuildOptions::decide: every kernel's decisions and hazards, from the pass that minimized
  // it, called CONCURRENTLY from the workers (before on_kernel for that kernel). Kernels that fail
  // are not passed here; their KernelRecord says why.
  std::function<void(const ArchiveKernel& kernel, const MinimizedKernel& decided)> on_decided;
  // Every cache hit, miss, rejected entry, store and eviction (serialized), for debug logging.
  std::function<void(const CacheEvent& event)> on_cache_event;
};

struct BuildResult {
  std::vector<KernelRecord> kernels;  // selected kernels + removed ones, sorted by output_relative
  size_t found = 0;                   // selected kernels
  size_t written = 0, unchanged = 0, failed = 0, removed = 0;
  uint64_t output_bytes = 0;          // total size of written + unchanged outputs
  bool cancelled = false;             // CANCEL was raised; kernels not reached are not in `kernels`
  std::vector<std::string> warnings;  // state lines dropped, paths left alone because they are not ours
  std::string state_error;            // the state could not be saved (the outputs are fine)
  bool cache_used = false;            // OPTIONS.cache_dir was set
  CacheCounters cache;                // what the cache did (misses include rejected entries)
};

// Builds every selected kernel of WALK into OPTIONS.output_dir with OBJECTS, reusing the state file,
// removing outputs whose kernel left the archive, and updating the state. Rules:
//   - the output directory is locked (flock) for the whole run: builds never interleave;
//   - only files the state says btfgen wrote, at validated paths inside the output tree, are ever
//     removed, and WALK must be complete (walk_archive never returns a partial walk);
//   - a kernel whose input fails (corrupt, too large, ambiguous...) fails alone and is remembered;
//     one whose output cannot be written or removed fails alone and is retried next run;
//   - with a cache, a tarball kernel is read from its verified entry, or decompressed and its entry
//     written after its output; the cache never changes an output byte, and a cache that cannot be
//     written is one warning. Least recently used entries above OPTIONS.cache_max are evicted last;
//   - when CANCEL becomes true, workers stop within one block of decompression without committing
//     their kernel's output, the state of finished kernels is saved, and the result says cancelled.
// Throws Error only for what stops the whole run before any kernel: the output directory cannot be
// created or locked, or the state file is not a regular file.
BuildResult run_build(const ArchiveWalk& walk, const ObjectSet& objects, const BuildOptions& options,
                      const BuildCallbacks& callbacks, const std::atomic<bool>& cancel);

}  // namespace btfgen
