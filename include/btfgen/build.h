// `btfgen build`: a whole btfhub-archive (one architecture) into a tree of minimized BTFs.
//
//   archive/<any>/<arch>/<kernel>.btf.tar.xz  ──walk──▶  plan (state file: what is already done)
//        ──pool of workers: decompress in memory → parse → minimize → compare → atomic write──▶
//   output/<any>/<arch>/<kernel>.btf  +  output/.btfgen-state-<arch>.tsv
//
// The core does not log: progress and per-kernel results go to the caller's callbacks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "btfgen/minimize.h"

namespace btfgen {

// ---- archive walker (archive_walker.cpp) ------------------------------------------------------

// Directory names that count as ARCH: x86_64|x86|amd64 and arm64|aarch64 are one family each;
// any other ARCH matches only itself. The first entry is the canonical name.
std::vector<std::string> arch_aliases(const std::string& arch);

struct ArchiveKernel {
  std::string input_path;       // path of the tarball or plain .btf file as found
  std::string input_relative;   // relative to the archive root: ubuntu/20.04/x86_64/5.4.0-42.btf.tar.xz
  std::string output_relative;  // the same without ".tar.xz":      ubuntu/20.04/x86_64/5.4.0-42.btf
  uint64_t input_size = 0;
  int64_t input_mtime_ns = 0;
  bool selected = true;         // false when --include/--exclude filtered it out
};

struct ArchiveWalk {
  std::vector<ArchiveKernel> kernels;   // every kernel of the arch family, sorted by output_relative
  std::vector<std::string> arch_dirs;   // names of every directory that holds a kernel (any arch), sorted
  size_t selected_count() const;
};

// Walks ARCHIVE for `<arch>/<kernel>.btf.tar.xz` and `<arch>/<kernel>.btf` where <arch> is one of
// arch_aliases(ARCH), at any depth. Hidden directories (.git) are skipped. A kernel is selected when it
// matches at least one INCLUDE glob (or INCLUDE is empty) and no EXCLUDE glob; a glob (fnmatch(3),
// no flags, so `*` also matches `/`) is tried on both input_relative and output_relative.
// When both X.btf and X.btf.tar.xz exist, the tarball wins. SKIP_DIR (the output directory, when it
// lies inside the archive) is not descended into. Throws Error naming ARCHIVE.
ArchiveWalk walk_archive(const std::string& archive, const std::string& arch,
                         const std::vector<std::string>& include = {},
                         const std::vector<std::string>& exclude = {},
                         const std::string& skip_dir = {});

// ---- incremental state (build_state.cpp) ------------------------------------------------------

// What one earlier run produced for one kernel. An entry lets a kernel be skipped without
// decompressing it when the fingerprint, input size+mtime and output size+mtime all still match.
struct StateEntry {
  std::string output_relative;
  std::string fingerprint;   // object-set fingerprint the output was made with
  uint64_t input_size = 0;
  int64_t input_mtime_ns = 0;
  bool failed = false;
  uint64_t output_size = 0;  // when !failed
  int64_t output_mtime_ns = 0;
  std::string output_sha256; // when !failed
  std::string error;         // when failed
};

// Fingerprint of an object set: SHA-256 over the btfgen version and every object's bytes, in order.
// Paths are not part of it (moving an object changes nothing); contents and order are.
std::string object_set_fingerprint(const std::vector<std::string>& object_paths);

// OUTPUT/.btfgen-state-<canonical arch>.tsv
std::string state_file_path(const std::string& output_dir, const std::string& arch);

// Reads a state file; a missing or unreadable one (other version, garbage) is an empty state.
std::vector<StateEntry> read_state(const std::string& path);
// Writes the state atomically, sorted by output_relative; leaves the file alone when it already
// holds exactly that state (an unchanged run rewrites nothing).
void write_state(const std::string& path, std::vector<StateEntry> entries);

// ---- the run (build_runner.cpp) ---------------------------------------------------------------

enum class KernelStatus { Written, Unchanged, Failed, Removed };
const char* status_name(KernelStatus s);  // "written", "unchanged", "failed", "removed"

struct KernelReport {
  std::string output_relative;
  KernelStatus status = KernelStatus::Unchanged;
  bool from_state = false;   // decided from the state file, without decompressing the kernel
  uint64_t output_size = 0;  // written/unchanged
  std::string output_sha256; // written/unchanged
  std::string error;         // failed: one line
};

struct BuildOptions {
  std::string output_dir;
  std::string arch;
  unsigned jobs = 1;
  std::string fingerprint;  // object_set_fingerprint() of the objects
};

struct BuildCallbacks {
  // Called once, after planning, with the number of selected kernels.
  std::function<void(size_t total)> on_start;
  // Called for every selected kernel as it finishes (also those taken from the state), serialized
  // (never concurrently), from whichever thread finished it.
  std::function<void(const KernelReport& report, size_t done, size_t total)> on_kernel;
};

struct BuildResult {
  std::vector<KernelReport> kernels;  // selected kernels + removed ones, sorted by output_relative
  size_t found = 0;                   // selected kernels
  size_t written = 0, unchanged = 0, failed = 0, removed = 0;
  uint64_t output_bytes = 0;          // total size of written + unchanged outputs
  bool cancelled = false;             // CANCEL was raised; kernels not reached are not in `kernels`
};

// Builds every selected kernel of WALK into OPTIONS.output_dir with OBJECTS, reusing the state file,
// removing outputs whose kernel left the archive, and updating the state. Per-kernel failures are
// reported, never thrown. When CANCEL becomes true, workers stop after their current kernel without
// committing its output, the state of finished kernels is saved, and the result says cancelled.
// Throws Error only for failures that stop the whole run (output directory not writable).
BuildResult run_build(const ArchiveWalk& walk, const ObjectSet& objects, const BuildOptions& options,
                      const BuildCallbacks& callbacks, const std::atomic<bool>& cancel);

// ---- manifest (build_manifest.cpp) ------------------------------------------------------------

// Writes a JSON manifest of RESULT to PATH atomically (format: docs/build.md).
void write_manifest(const std::string& path, const std::string& arch, const BuildResult& result);

}  // namespace btfgen
