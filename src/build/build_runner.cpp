// The `build` run: plan from the state file, then a pool of workers over the kernels left to do.
//
// Each worker holds one kernel at a time: the tarball is decompressed into memory, parsed, its raw
// bytes freed, minimized with the shared (read-only) ObjectSet, and the result compared with the
// output already on disk; only different bytes are written, atomically. So memory stays at about
// `jobs` kernels whatever the archive size, and an unchanged output keeps its inode and mtime.
//
// Example: 3 kernels, state says k1 is done with the same objects and inputs, k3 left the archive:
//   k1 → unchanged (from state, not decompressed); k2 → built, written; k3's output → removed.
#include "btfgen/build/build_runner.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

#include "btfgen/build/output_tree.h"
#include "btfgen/cache/cached_load.h"
#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"
#include "common/fd.h"
#include "common/sha256.h"

namespace btfgen {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The record of a kernel that failed; REMEMBER: kept in the state (its input is bad), or not
// (its output could not be written or removed: tried again next run).
struct Outcome {
  KernelRecord record;
  bool remember = true;
};

class Runner {
 public:
  Runner(OutputTree& tree, const ObjectSet& objects, const BuildOptions& options, const BuildCallbacks& callbacks,
         KernelCache* cache, const std::atomic<bool>& cancel)
      : tree_(tree), objects_(objects), options_(options), callbacks_(callbacks), cache_(cache), cancel_(cancel) {}

  // Builds one kernel; nullopt when cancelled before its output was committed. WROTE_BEFORE: the
  // state says an earlier run wrote this kernel's output (only then may a failure remove it).
  std::optional<Outcome> build(const ArchiveKernel& k, bool wrote_before) const {
    KernelRecord record{.output_relative = k.output_relative,
                        .fingerprint = options_.fingerprint,
                        .input_size = k.input_size,
                        .input_mtime_ns = k.input_mtime_ns};
    std::vector<uint8_t> bytes;
    std::optional<PendingEntry> pending;  // the cache entry to write once the output is done
    try {
      // Without a cache the decompressed bytes are freed inside load_kernel_btf; with one, a miss
      // keeps them until its entry is written below.
      CachedKernel loaded = load_kernel_btf_cached(k.input_path, {options_.max_input_size, &cancel_}, cache_);
      if (cancel_) return std::nullopt;
      MinimizedKernel minimized = minimize_kernel(loaded.btf.get(), objects_,
                                                  {.preserve_decisions = options_.preserve_decisions,
                                                   .decisions = options_.decide,
                                                   .hazards = options_.decide});
      if (options_.decide && callbacks_.on_decided) callbacks_.on_decided(k, minimized);
      bytes = std::move(minimized.bytes);
      pending = std::move(loaded.pending);
    } catch (const Error& e) {
      if (e.code() == ECANCELED) return std::nullopt;
      return input_failure(std::move(record), wrote_before, e.what());
    } catch (const std::exception& e) {  // bad_alloc and the like: this kernel only
      return input_failure(std::move(record), wrote_before, k.input_path + ": " + e.what());
    }

    record.output_size = bytes.size();
    record.output_sha256 = sha256_hex(bytes);
    // Off the kernel's critical path: after its output, whatever became of that.
    struct StoreLater {
      KernelCache* cache;
      std::optional<PendingEntry>& pending;
      const std::atomic<bool>& cancel;
      ~StoreLater() {
        try {
          if (cache != nullptr && pending && !cancel) cache->store(*pending);
        } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory while storing: only the entry is lost
        }
      }
    } store_later{cache_, pending, cancel_};
    try {
      if (tree_.holds(k.output_relative, bytes)) {
        record.status = KernelStatus::Unchanged;
      } else {
        if (!tree_.write(k.output_relative, bytes, &cancel_)) return std::nullopt;
        record.status = KernelStatus::Written;
      }
      const auto st = tree_.stat(k.output_relative);
      if (!st || !S_ISREG(st->st_mode))
        throw Error(ENOENT, tree_.shown(k.output_relative) + ": output vanished after writing");
      record.output_mtime_ns = mtime_ns(*st);
      return Outcome{std::move(record)};
    } catch (const Error& e) {
      // Not a property of the inputs: not remembered, so the next run tries again.
      return Outcome{failed(std::move(record), e.what()), false};
    }
  }

 private:
  static KernelRecord failed(KernelRecord record, const std::string& what) {
    record.status = KernelStatus::Failed;
    record.error = first_line(what);
    record.output_size = 0;
    record.output_sha256.clear();
    return record;
  }

  // The kernel's input is bad: remembered as failed, and its old output (if we wrote one) removed,
  // as bpftool leaves no output for a kernel it fails on.
  Outcome input_failure(KernelRecord record, bool wrote_before, const std::string& what) const {
    Outcome o{failed(std::move(record), what)};
    if (wrote_before) {
      try {
        tree_.remove(o.record.output_relative);
      } catch (const Error& removal) {
        o.record.error += "; " + first_line(removal.what());
        o.remember = false;
      }
    }
    return o;
  }

  OutputTree& tree_;
  const ObjectSet& objects_;
  const BuildOptions& options_;
  const BuildCallbacks& callbacks_;
  KernelCache* cache_;
  const std::atomic<bool>& cancel_;
};

// Removes the outputs of kernels that left the archive (kernels filtered out are still in it:
// their state is kept). The walk is complete, and every path was validated when the state was read.
void remove_departed(OutputTree& tree, const ArchiveWalk& walk, BuildState& state, std::vector<KernelRecord>& records,
                     std::vector<std::string>& warnings) {
  std::set<std::string> present;
  for (const auto& k : walk.kernels) present.insert(k.output_relative);
  for (auto it = state.begin(); it != state.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    if (it->second.has_output()) {
      try {
        switch (tree.remove(it->first)) {
          case OutputTree::Removal::Removed:
            records.push_back(
                KernelRecord{.output_relative = it->first, .status = KernelStatus::Removed, .from_state = true});
            break;
          case OutputTree::Removal::Missing:
            break;
          case OutputTree::Removal::NotAFile:
            warnings.push_back(tree.shown(it->first) +
                               ": left alone: not a regular file, so not an output btfgen wrote");
            break;
        }
      } catch (const Error& e) {
        records.push_back(
            KernelRecord{.output_relative = it->first, .status = KernelStatus::Failed, .error = first_line(e.what())});
        ++it;  // kept: the removal is tried again next run
        continue;
      }
    }
    it = state.erase(it);
  }
}

// The state's answer for K, when it has one: its inputs and objects are those of its record, and
// its output (if any) is still the file that was written.
std::optional<KernelRecord> settled(const OutputTree& tree, const BuildState& state, const ArchiveKernel& k,
                                    const std::string& fingerprint) {
  const auto it = state.find(k.output_relative);
  if (it == state.end()) return std::nullopt;
  const KernelRecord& e = it->second;
  if (e.fingerprint != fingerprint || e.input_size != k.input_size || e.input_mtime_ns != k.input_mtime_ns)
    return std::nullopt;
  KernelRecord record = e;
  record.from_state = true;
  if (!e.has_output()) return record;  // the same inputs fail the same way
  std::optional<struct stat> st;
  try {
    st = tree.stat(k.output_relative);
  } catch (const Error&) {
    return std::nullopt;  // a link or file in the way: rebuild, and let the write say what is wrong
  }
  if (!st || !S_ISREG(st->st_mode) || static_cast<uint64_t>(st->st_size) != e.output_size ||
      mtime_ns(*st) != e.output_mtime_ns)
    return std::nullopt;
  record.status = KernelStatus::Unchanged;
  return record;
}

}  // namespace

BuildResult run_build(const ArchiveWalk& walk, const ObjectSet& objects, const BuildOptions& options,
                      const BuildCallbacks& callbacks, const std::atomic<bool>& cancel) {
  OutputTree tree(options.output_dir);
  tree.lock(options.wait_lock, &cancel);
  const std::string state_path =
      options.state_path.empty() ? state_file_path(options.output_dir, options.arch) : options.state_path;
  std::vector<std::string> arch_dirs = arch_aliases(options.arch);
  if (!options.arch_dir.empty()) arch_dirs.push_back(options.arch_dir);
  // A state from before the state left the tree is read once, then removed (below).
  const std::string legacy = legacy_state_file_path(options.output_dir, options.arch);
  const bool migrate = access(state_path.c_str(), F_OK) != 0 && access(legacy.c_str(), F_OK) == 0;
  StateRead read = read_state(migrate ? legacy : state_path, arch_dirs);
  BuildState& state = read.entries;  // becomes the new state as the run goes

  BuildResult result;
  result.warnings = std::move(read.warnings);
  std::optional<KernelCache> cache;
  if (!options.cache_dir.empty()) {
    cache.emplace(CacheOptions{.dir = options.cache_dir,
                               .max_bytes = options.cache_max,
                               .max_input_size = options.max_input_size,
                               .on_event = callbacks.on_cache_event});
    result.cache_used = true;
  }
  std::vector<KernelRecord> records;
  remove_departed(tree, walk, state, records, result.warnings);

  // Plan: what the state already answers, and what has to be built.
  std::vector<KernelRecord> answered;
  std::vector<const ArchiveKernel*> todo;
  for (const auto& k : walk.kernels) {
    if (!k.selected) continue;
    ++result.found;
    if (auto record = options.decide ? std::nullopt : settled(tree, state, k, options.fingerprint))
      answered.push_back(std::move(*record));
    else
      todo.push_back(&k);
  }
  // One directory (one release's builds) at a time, so the kernel cache stores each one against the
  // first of its directory while that is in memory; the directories with the most bytes first and,
  // within one, the biggest kernel first, so the pool ends on small kernels, not waiting on a large one.
  std::map<std::string_view, uint64_t> directory_bytes;
  auto directory = [](const ArchiveKernel* k) {
    const std::string_view path = k->output_relative;
    return path.substr(0, path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/'));
  };
  for (const ArchiveKernel* k : todo) directory_bytes[directory(k)] += k->input_size;
  std::sort(todo.begin(), todo.end(), [&](const ArchiveKernel* a, const ArchiveKernel* b) {
    const std::string_view da = directory(a), db = directory(b);
    if (da != db) {
      const uint64_t ba = directory_bytes[da], bb = directory_bytes[db];
      return ba != bb ? ba > bb : da < db;
    }
    return a->input_size != b->input_size ? a->input_size > b->input_size : a->output_relative < b->output_relative;
  });

  const size_t total = result.found;
  size_t done = 0;
  std::mutex mutex;  // guards done, records, state and the callbacks
  auto finish = [&](KernelRecord record) {
    ++done;
    if (callbacks.on_kernel) {
      try {
        callbacks.on_kernel(record, done, total);
      } catch (...) {  // NOLINT(bugprone-empty-catch): a reporting problem must not kill a worker
      }
    }
    records.push_back(std::move(record));
  };
  if (callbacks.on_start) callbacks.on_start(total);
  for (auto& r : answered) finish(std::move(r));

  const Runner runner(tree, objects, options, callbacks, cache ? &*cache : nullptr, cancel);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      if (cancel) return;
      const size_t i = next.fetch_add(1);
      if (i >= todo.size()) return;
      const std::string& relative = todo[i]->output_relative;
      bool wrote_before;
      {
        std::lock_guard lock(mutex);
        const auto it = state.find(relative);
        wrote_before = it != state.end() && it->second.has_output();
      }
      auto outcome = runner.build(*todo[i], wrote_before);
      if (!outcome) return;  // cancelled
      std::lock_guard lock(mutex);
      if (outcome->remember)
        state[relative] = outcome->record;
      else
        state.erase(relative);
      finish(std::move(outcome->record));
    }
  };
  const size_t jobs = std::max<size_t>(1, std::min<size_t>(options.jobs, todo.size()));
  if (!todo.empty()) {
    std::vector<std::jthread> pool;
    for (size_t j = 1; j < jobs; ++j) pool.emplace_back(work);
    work();
  }  // jthreads join here

  try {
    write_state(state_path, state);
    if (migrate) tree.remove(legacy.substr(options.output_dir.size() + 1));
  } catch (const Error& e) {
    result.state_error = first_line(e.what());
  }

  if (cache) {
    if (!cancel) cache->evict();
    for (auto& w : cache->warnings()) result.warnings.push_back(std::move(w));
    result.cache = cache->counters();
  }

  result.cancelled = cancel;
  std::sort(records.begin(), records.end(),
            [](const KernelRecord& a, const KernelRecord& b) { return a.output_relative < b.output_relative; });
  for (const auto& r : records) {
    switch (r.status) {
      case KernelStatus::Written:
        ++result.written;
        result.output_bytes += r.output_size;
        break;
      case KernelStatus::Unchanged:
        ++result.unchanged;
        result.output_bytes += r.output_size;
        break;
      case KernelStatus::Failed:
        ++result.failed;
        break;
      case KernelStatus::Removed:
        ++result.removed;
        break;
    }
  }
  result.kernels = std::move(records);
  return result;
}

}  // namespace btfgen
