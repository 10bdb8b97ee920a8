// The archive walk every archive command (build, report) starts with, and what it says when there
// is nothing to walk: a missing checkout, an uninitialised submodule, an arch with no kernels.
#pragma once

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

}  // namespace btfgen::cli
