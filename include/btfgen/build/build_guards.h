// Checks that keep a build's outputs away from its inputs, made before any work (build_guards.cpp).
// Files are compared by device and inode, so another name (a symlink, a "..", a bind mount) does
// not hide an input.
#pragma once

#include <string>
#include <vector>

#include "btfgen/build/archive_walker.h"

namespace btfgen {

// Refuses (Error EINVAL) OUTPUT_DIR when it is the archive directory or contains it: the outputs
// would be written among the kernels, and a raw-BTF kernel would be replaced by its own output.
void check_output_dir(const std::string& archive, const std::string& output_dir);

// Refuses (Error EINVAL) PATH, an extra output (WHAT: "--json", ...), when it names an input: the
// archive directory, a kernel of WALK, one of OBJECTS, or the state file STATE_PATH.
void check_not_an_input(const std::string& path, const std::string& what, const std::string& archive,
                        const ArchiveWalk& walk, const std::vector<std::string>& objects,
                        const std::string& state_path);

// Refuses (Error EINVAL) PATH, a file written beside the outputs (WHAT: "--state", "--json",
// "--pack"), when it would lie inside OUTPUT_DIR: the tree holds nothing but the minimized .btf
// files, so that every way of embedding it is reproducible.
void check_outside_output(const std::string& path, const std::string& what, const std::string& output_dir);

}  // namespace btfgen
