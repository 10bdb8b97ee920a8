// The `build` run: plan from the state file, then a pool of workers over the kernels left to do.
//
// Each worker holds one kernel at a time: the tarball is decompressed into memory, parsed, its raw
// bytes freed, minimized with the shared (read-only) ObjectSet, and the result compared with the
// output already on disk; only different bytes are written, through AtomicFile. So memory stays at
// about `jobs` kernels whatever the archive size, and an unchanged output keeps its inode and mtime.
//
// Example: 3 kernels, state says k1 is done with the same objects and inputs, k3 left the archive:
//   k1 → unchanged (from state, not decompressed); k2 → built, written; k3's output → removed.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "btfgen/atomic_file.h"
#include "btfgen/build_runner.h"
#include "btfgen/error.h"
#include "btfgen/kernel_btf.h"
#include "sha256.h"

namespace btfgen {

namespace fs = std::filesystem;

namespace {

struct FileStat {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

std::optional<FileStat> stat_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileStat{static_cast<uint64_t>(st.st_size),
                  int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::vector<uint8_t> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(errno ? errno : ENOENT, path + ": cannot open: " + std::strerror(errno ? errno : ENOENT));
  std::vector<uint8_t> bytes;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) bytes.resize(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    throw Error(EIO, path + ": cannot read");
  }
  return bytes;
}

// True when PATH holds exactly BYTES (cheap size check first).
bool file_has_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  const auto st = stat_file(path);
  if (!st || st->size != bytes.size()) return false;
  try {
    return read_whole_file(path) == bytes;
  } catch (const Error&) {
    return false;
  }
}

// Removes PATH and then every directory above it that became empty, up to ROOT (exclusive).
void remove_output(const std::string& root, const std::string& relative) {
  fs::path path = fs::path(root) / relative;
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw Error(errno, path.string() + ": cannot remove stale output: " + std::strerror(errno));
  }
  for (fs::path dir = fs::path(relative).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (rmdir((fs::path(root) / dir).c_str()) != 0) break;  // not empty (or gone): stop
  }
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

struct Outcome {
  KernelReport report;
  StateEntry state;
};

class Runner {
 public:
  Runner(const ObjectSet& objects, const BuildOptions& options, const std::atomic<bool>& cancel)
      : objects_(objects), options_(options), cancel_(cancel) {}

  // Builds one kernel; nullopt when cancelled before its output was committed.
  std::optional<Outcome> build(const ArchiveKernel& k) const {
    Outcome o;
    o.report.output_relative = k.output_relative;
    o.state.output_relative = k.output_relative;
    o.state.fingerprint = options_.fingerprint;
    o.state.input_size = k.input_size;
    o.state.input_mtime_ns = k.input_mtime_ns;
    const std::string out_path = options_.output_dir + "/" + k.output_relative;
    try {
      std::vector<uint8_t> bytes;
      {
        // The decompressed bytes are freed inside load_kernel_btf; only the parsed copy lives on.
        BtfPtr btf = load_kernel_btf(k.input_path);
        if (cancel_) return std::nullopt;
        bytes = minimize(btf.get(), objects_);
      }
      o.report.output_size = bytes.size();
      o.report.output_sha256 = sha256_hex(bytes);
      if (file_has_bytes(out_path, bytes)) {
        o.report.status = KernelStatus::Unchanged;
      } else {
        std::error_code ec;
        fs::create_directories(fs::path(out_path).parent_path(), ec);
        if (ec) throw Error(ec.value(), fs::path(out_path).parent_path().string() + ": cannot create directory: " + ec.message());
        AtomicFile file(out_path);
        file.write(bytes);
        if (cancel_) return std::nullopt;  // ~AtomicFile removes the temporary file
        file.commit();
        o.report.status = KernelStatus::Written;
      }
      const auto st = stat_file(out_path);
      if (!st) throw Error(ENOENT, out_path + ": output vanished after writing");
      o.state.output_size = st->size;
      o.state.output_mtime_ns = st->mtime_ns;
      o.state.output_sha256 = o.report.output_sha256;
      return o;
    } catch (const std::exception& e) {
      o.report = KernelReport{k.output_relative, KernelStatus::Failed, false, 0, {}, first_line(e.what())};
      o.state.failed = true;
      o.state.error = o.report.error;
      try {
        remove_output(options_.output_dir, k.output_relative);  // a failed kernel has no output
      } catch (const Error& removal) {
        o.report.error += "; " + std::string(removal.what());
      }
      return o;
    }
  }

 private:
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
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (ec || !fs::is_directory(options.output_dir)) {
    throw Error(ec ? ec.value() : ENOTDIR, options.output_dir + ": cannot create output directory" +
                                               (ec ? ": " + ec.message() : std::string()));
  }
  const std::string state_path = state_file_path(options.output_dir, options.arch);
  std::map<std::string, StateEntry> state;  // becomes the new state as the run goes
  for (auto& e : read_state(state_path)) state[e.output_relative] = std::move(e);

  BuildResult result;
  std::vector<KernelReport> reports;

  // Kernels that left the archive (filtered-out ones are still in it: their state is kept).
  std::map<std::string, const ArchiveKernel*> present;
  for (const auto& k : walk.kernels) present[k.output_relative] = &k;
  for (auto it = state.begin(); it != state.end();) {
    if (present.count(it->first)) { ++it; continue; }
    if (!it->second.failed) {
      remove_output(options.output_dir, it->first);
      reports.push_back(KernelReport{it->first, KernelStatus::Removed, true, 0, {}, {}});
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
          settled.push_back(KernelReport{k.output_relative, KernelStatus::Failed, true, 0, {}, e.error});
          continue;
        }
        const auto st = stat_file(options.output_dir + "/" + k.output_relative);
        if (st && st->size == e.output_size && st->mtime_ns == e.output_mtime_ns) {
          settled.push_back(
              KernelReport{k.output_relative, KernelStatus::Unchanged, true, e.output_size, e.output_sha256, {}});
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

  const Runner runner(objects, options, cancel);
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      if (cancel) return;
      const size_t i = next.fetch_add(1);
      if (i >= todo.size()) return;
      auto outcome = runner.build(*todo[i]);
      if (!outcome) return;  // cancelled
      std::lock_guard lock(mutex);
      state[outcome->state.output_relative] = std::move(outcome->state);
      finish(std::move(outcome->report));
    }
  };
  const size_t jobs = std::max<size_t>(1, std::min<size_t>(options.jobs, todo.size()));
  if (!todo.empty()) {
    std::vector<std::jthread> pool;
    for (size_t j = 1; j < jobs; ++j) pool.emplace_back(work);
    work();
  }  // jthreads join here

  std::vector<StateEntry> entries;
  entries.reserve(state.size());
  for (auto& [_, e] : state) entries.push_back(std::move(e));
  write_state(state_path, std::move(entries));

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
