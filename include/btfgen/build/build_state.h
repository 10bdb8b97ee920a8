// Incremental build state kept in the output directory (build_state.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace btfgen {

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

// Entries by output_relative.
using BuildState = std::map<std::string, StateEntry>;

// Fingerprint of an object set: SHA-256 over the btfgen version and every object's bytes, in order.
// Paths are not part of it (moving an object changes nothing); contents and order are.
std::string object_set_fingerprint(const std::vector<std::string>& object_paths);

// OUTPUT/.btfgen-state-<canonical arch>.tsv
std::string state_file_path(const std::string& output_dir, const std::string& arch);

struct StateRead {
  BuildState entries;
  std::vector<std::string> warnings;  // lines dropped because their path cannot be one of our outputs
};

// Reads the state at PATH; a missing, unparseable or other-version file is an empty state. The
// file is input like any other: a path that is not an output of ARCH_DIRS (is_output_relative: an
// absolute path, "..", another arch) is dropped with a warning, so nothing outside the output
// tree is ever touched because of it. Throws Error when PATH exists but is not a regular file
// (a directory, FIFO, device or symbolic link), before opening it for reading.
StateRead read_state(const std::string& path, const std::vector<std::string>& arch_dirs);

// Writes the state atomically, sorted by output_relative; leaves the file alone when it already
// holds exactly that state (an unchanged run rewrites nothing). Fields are escaped (\\ \t \n \r),
// so any kernel name the file system allows round-trips.
void write_state(const std::string& path, const BuildState& entries);

}  // namespace btfgen
