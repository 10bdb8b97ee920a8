// The `build` run: plan from the state file, then a pool of workers over the kernels left to do.
//
// Each worker holds one kernel at a time: the tarball is decompressed into memory, parsed, its raw
// bytes freed, minimized with the shared (read-only) ObjectSet, and the result compared with the
// output already on disk; only different bytes are written, atomically. So memory stays at about
// `jobs` kernels whatever the archive size, and an unchanged output keeps its inode and mtime.
//
// Example: 3 kernels, state says k1 is done with the same objects and inputs, k3 left the archive:
//   k1 → unchanged (from state, not decompressed); k2 → built, written; k3's output → removed.
#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "btfgen/build/build_runner.h"
#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/build/output_tree.h"
#include "common/fd.h"
#include "common/sha256.h"

namespace btfgen {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

struct Outcome {
  KernelReport report;
  std::optional<StateEntry> state;  // nullopt: forget the kernel (retried next run)
};

class Runner {
 public:
  Runner(OutputTree& tree, const ObjectSet& objects, const BuildOptions& options, const std::atomic<bool>& cancel)
      : tree_(tree), objects_(objects), options_(options), cancel_(cancel) {}

  // Builds one kernel; nullopt when cancelled before its output was committed. WROTE_BEFORE: the
  // state says an earlier run wrote this kernel's output (only then may a failure remove it).
  std::optional<Outcome> build(const ArchiveKernel& k, bool wrote_before) const {
    Outcome o;
    o.report.output_relative = k.output_relative;
    StateEntry state{.output_relative = k.output_relative,
                     .fingerprint = options_.fingerprint,
                     .input_size = k.input_size,
                     .input_mtime_ns = k.input_mtime_ns};
    std::vector<uint8_t> bytes;
    try {
      // The decompressed bytes are freed inside load_kernel_btf; only the parsed copy lives on.
      const BtfPtr btf = load_kernel_btf(k.input_path, {options_.max_input_size, &cancel_});
      if (cancel_) return std::nullopt;
      bytes = minimize(btf.get(), objects_);
    } catch (const Error& e) {
      if (e.code() == ECANCELED) return std::nullopt;
      return input_failure(k, wrote_before, e.what(), state);
    } catch (const std::exception& e) {  // bad_alloc and the like: this kernel only
      return input_failure(k, wrote_before, k.input_path + ": " + e.what(), state);
    }

    o.report.output_size = bytes.size();
    o.report.output_sha256 = sha256_hex(bytes);
    try {
      if (tree_.holds(k.output_relative, bytes)) {
        o.report.status = KernelStatus::Unchanged;
      } else {
        if (!tree_.write(k.output_relative, bytes, &cancel_)) return std::nullopt;
        o.report.status = KernelStatus::Written;
      }
      const auto st = tree_.stat(k.output_relative);
      if (!st || !S_ISREG(st->st_mode)) throw Error(ENOENT, tree_.root() + "/" + k.output_relative + ": output vanished after writing");
      state.output_size = static_cast<uint64_t>(st->st_size);
      state.output_mtime_ns = mtime_ns(*st);
      state.output_sha256 = o.report.output_sha256;
      o.state = std::move(state);
    } catch (const Error& e) {
      // Not a property of the inputs: not remembered, so the next run tries again.
      o.report = KernelReport{.output_relative = k.output_relative, .status = KernelStatus::Failed,
                              .error = first_line(e.what())};
    }
    return o;
  }

 private:
  // The kernel's input is bad: remembered as failed, and its old output (if we wrote one) removed,
  // as bpftool leaves no output for a kernel it fails on.
  Outcome input_failure(const ArchiveKernel& k, bool wrote_before, const std::string& what, StateEntry state) const {
    Outcome o;
    o.report = KernelReport{.output_relative = k.output_relative, .status = KernelStatus::Failed,
                            .error = first_line(what)};
    state.failed = true;
    state.error = o.report.error;
    o.state = std::move(state);
    if (wrote_before) {
      try {
        tree_.remove(k.output_relative);
      } catch (const Error& removal) {
        o.report.error += "; " + first_line(removal.what());
        o.state.reset();
      }
    }
    return o;
  }

  OutputTree& tree_;
  const ObjectSet& objects_;
  const BuildOptions& options_;
  const std::atomic<bool>& cancel_;
};

}  // namespace

const char* status_name(KernelStatus s) {
  switch (s) {
    case KernelStatus::Written: return "written";
    case KernelStatus::Unchanged: return "unchanged";
    case KernelStatus::Failed: return "failed";
    case KernelStatus::Removed: return "removed";
  }
  return "?";
}

BuildResult run_build(const ArchiveWalk& walk, const ObjectSet& objects, const BuildOptions& options,
                      const BuildCallbacks& callbacks, const std::atomic<bool>& cancel) {
  OutputTree tree(options.output_dir);
  tree.lock(options.wait_lock, &cancel);
  const std::string state_path = state_file_path(options.output_dir, options.arch);
  StateRead read = read_state(state_path, arch_aliases(options.arch));
  BuildState& state = read.entries;  // becomes the new state as the run goes

  BuildResult result;
  result.warnings = std::move(read.warnings);
  std::vector<KernelReport> reports;

  // Kernels that left the archive (filtered-out ones are still in it: their state is kept). The
  // walk is complete here, and every path was validated when the state was read.
  std::map<std::string, const ArchiveKernel*> present;
  for (const auto& k : walk.kernels) present[k.output_relative] = &k;
  for (auto it = state.begin(); it != state.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    if (!it->second.failed) {
      try {
        switch (tree.remove(it->first)) {
          case OutputTree::Removal::Removed:
            reports.push_back(KernelReport{.output_relative = it->first, .status = KernelStatus::Removed,
                                           .from_state = true});
            break;
          case OutputTree::Removal::Missing:
            break;
          case OutputTree::Removal::NotAFile:
            result.warnings.push_back(options.output_dir + "/" + it->first +
                                      ": left alone: not a regular file, so not an output btfgen wrote");
            break;
        }
      } catch (const Error& e) {
        reports.push_back(KernelReport{.output_relative = it->first, .status = KernelStatus::Failed,
                                       .error = first_line(e.what())});
        ++it;  // kept: the removal is tried again next run
        continue;
      }
    }
    it = state.erase(it);
  }

  // Plan: what the state already answers, and what has to be built.
  std::vector<KernelReport> settled;
  std::vector<const ArchiveKernel*> todo;
  for (const auto& k : walk.kernels) {
    if (!k.selected) continue;
    ++result.found;
    const auto it = state.find(k.output_relative);
    if (it != state.end()) {
      const StateEntry& e = it->second;
      if (e.fingerprint == options.fingerprint && e.input_size == k.input_size &&
          e.input_mtime_ns == k.input_mtime_ns) {
        if (e.failed) {
          settled.push_back(KernelReport{.output_relative = k.output_relative, .status = KernelStatus::Failed,
                                         .from_state = true, .error = e.error});
          continue;
        }
        std::optional<struct stat> st;
        try {
          st = tree.stat(k.output_relative);
        } catch (const Error&) {
          // a link or file in the way: rebuild, and let the write say what is wrong
        }
        if (st && S_ISREG(st->st_mode) && static_cast<uint64_t>(st->st_size) == e.output_size &&
            mtime_ns(*st) == e.output_mtime_ns) {
          settled.push_back(KernelReport{.output_relative = k.output_relative, .status = KernelStatus::Unchanged,
                                         .from_state = true, .output_size = e.output_size,
                                         .output_sha256 = e.output_sha256});
          continue;
        }
      }
    }
    todo.push_back(&k);
  }
  // Biggest first, so the pool does not end waiting on one large kernel.
  std::sort(todo.begin(), todo.end(), [](const ArchiveKernel* a, const ArchiveKernel* b) {
    return a->input_size != b->input_size ? a->input_size > b->input_size : a->output_relative < b->output_relative;
  });

  const size_t total = result.found;
  size_t done = 0;
  std::mutex mutex;  // guards done, reports, state and the callbacks
  auto finish = [&](KernelReport report) {
    ++done;
    if (callbacks.on_kernel) {
      try {
        callbacks.on_kernel(report, done, total);
      } catch (...) {
        // a reporting problem must not kill a worker
      }
    }
    reports.push_back(std::move(report));
  };
  if (callbacks.on_start) callbacks.on_start(total);
  for (auto& r : settled) finish(std::move(r));

  const Runner runner(tree, objects, options, cancel);
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
        wrote_before = it != state.end() && !it->second.failed;
      }
      auto outcome = runner.build(*todo[i], wrote_before);
      if (!outcome) return;  // cancelled
      std::lock_guard lock(mutex);
      if (outcome->state)
        state[relative] = std::move(*outcome->state);
      else if (outcome->report.status == KernelStatus::Failed)
        state.erase(relative);
      finish(std::move(outcome->report));
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
  } catch (const Error& e) {
    result.state_error = first_line(e.what());
  }

  result.cancelled = cancel;
  std::sort(reports.begin(), reports.end(),
            [](const KernelReport& a, const KernelReport& b) { return a.output_relative < b.output_relative; });
  for (const auto& r : reports) {
    switch (r.status) {
      case KernelStatus::Written: ++result.written; result.output_bytes += r.output_size; break;
      case KernelStatus::Unchanged: ++result.unchanged; result.output_bytes += r.output_size; break;
      case KernelStatus::Failed: ++result.failed; break;
      case KernelStatus::Removed: ++result.removed; break;
    }
  }
  result.kernels = std::move(reports);
  return result;
}

}  // namespace btfgen
