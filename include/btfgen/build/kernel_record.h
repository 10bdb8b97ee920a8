// What a build knows of one kernel: the same record is the run's report and the state's line.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace btfgen {

enum class KernelStatus { Written, Unchanged, Failed, Removed };
const char* status_name(KernelStatus s);  // "written", "unchanged", "failed", "removed"

struct KernelRecord {
  std::string output_relative;  // <...>/<arch>/<kernel>.btf, relative to the output directory
  KernelStatus status = KernelStatus::Unchanged;
  bool from_state = false;  // decided from the state file, without decompressing the kernel
  // What the output was made from (kept in the state).
  std::string fingerprint;  // object_set_fingerprint() of the objects
  uint64_t input_size = 0;
  int64_t input_mtime_ns = 0;
  // The output (written/unchanged), or why there is none (failed: one line).
  uint64_t output_size = 0;
  int64_t output_mtime_ns = 0;
  std::string output_sha256;
  std::string error;

  bool has_output() const { return status == KernelStatus::Written || status == KernelStatus::Unchanged; }
};

// The state of a build: records by output_relative. A record with an output is an "ok" line of
// the state file, a failed one a "failed" line.
using BuildState = std::map<std::string, KernelRecord>;

}  // namespace btfgen
