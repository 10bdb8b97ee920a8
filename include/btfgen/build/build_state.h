// Incremental build state kept in the output directory (build_state.cpp): one line per kernel
// built, so an unchanged kernel is neither decompressed nor written again.
#pragma once

#include <string>
#include <vector>

#include "btfgen/build/kernel_record.h"

namespace btfgen {

// Where the state lives by default: beside the output directory, never in it (the tree holds
// nothing but the minimized .btf files, so any embedding recipe is reproducible):
// OUTPUT.btfgen-state-<canonical arch>.tsv (btfs → btfs.btfgen-state-x86_64.tsv). Throws Error
// when OUTPUT has no name to put it beside (/): --state is needed then.
std::string state_file_path(const std::string& output_dir, const std::string& arch);

// Where releases before 0.2 kept it, inside the output tree: OUTPUT/.btfgen-state-<arch>.tsv. A
// build reads it when the new one is missing, and removes it once the new one is written.
std::string legacy_state_file_path(const std::string& output_dir, const std::string& arch);

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
