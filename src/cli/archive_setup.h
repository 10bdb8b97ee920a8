// The archive walk every archive command (build, report) starts with, and what it says when there
// is nothing to walk: a missing checkout, an uninitialised submodule, an arch with no kernels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "btfgen/build/archive_walker.h"

namespace btfgen::cli {

// Walks ARCHIVE for ARCH. On failure returns nullopt with ERROR set to the one-line reason
// (or to "" when interrupted: the caller exits 130).
std::optional<ArchiveWalk> walk_for_command(const std::string& archive, const std::string& arch,
                                            const WalkOptions& options, std::string& error);

// The default --jobs: the online CPUs.
unsigned online_cpus();

// The limits every archive command checks before anything else: --jobs (at least 1) and
// --max-input-size (empty: the default). The size in bytes, or nullopt with ERROR set.
std::optional<uint64_t> check_archive_limits(unsigned jobs, const std::string& max_input_size, std::string& error);

}  // namespace btfgen::cli
