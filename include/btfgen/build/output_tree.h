// The output directory of `btfgen build`, held open and locked for the whole run (output_tree.cpp).
//
// Every path inside it is reached from the directory's own descriptor, one component at a time,
// never through a symbolic link: a link planted inside the tree (by a user, a restored cache, an
// attacker) cannot lead a write or a removal outside it.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "btfgen/common/error.h"

namespace btfgen {

class OutputTree {
 public:
  // Opens ROOT, creating it (and its parents) when missing. ROOT itself may be a symbolic link,
  // which is followed: the user named it. Throws Error.
  explicit OutputTree(const std::string& root);
  OutputTree(OutputTree&&) noexcept;
  ~OutputTree();
  OutputTree(const OutputTree&) = delete;
  OutputTree& operator=(const OutputTree&) = delete;

  const std::string& root() const { return root_; }
  // RELATIVE as errors and messages show it: ROOT/RELATIVE. The one place an output path is spelled.
  std::string shown(const std::string& relative) const { return root_ + "/" + relative; }

  // An exclusive advisory lock (flock) on ROOT for as long as this object lives, so two builds
  // never interleave on one output. Busy: throws Error(EBUSY) at once, or with WAIT polls until it
  // is free (Error(ECANCELED) when CANCEL is raised meanwhile).
  void lock(bool wait, const std::atomic<bool>* cancel);

  // lstat of RELATIVE (never follows a link); nullopt when it, or a directory on its way, is missing.
  // Throws when a directory on the way is a symbolic link or not a directory.
  std::optional<struct stat> stat(const std::string& relative) const;

  // True when RELATIVE is a regular file holding exactly BYTES.
  bool holds(const std::string& relative, std::span<const uint8_t> bytes) const;

  // Writes BYTES to RELATIVE atomically, creating its directories; an existing file keeps its mode.
  // Returns false (nothing written) when CANCEL was raised before the rename. Throws Error.
  bool write(const std::string& relative, std::span<const uint8_t> bytes, const std::atomic<bool>* cancel = nullptr);

  enum class Removal { Removed, Missing, NotAFile };
  // Removes RELATIVE when it is a regular file, then every directory above it that became empty.
  // A directory, link, FIFO... at that path is left alone (NotAFile). Throws Error on I/O errors.
  Removal remove(const std::string& relative);

 private:
  std::string root_;
  int root_fd_ = -1;
};

// True when RELATIVE could be an output of this build: relative, normalised (no "", ".", ".."
// components, no leading '/'), no hidden component, of the shape <...>/<arch>/<kernel>.btf with
// <arch> one of ARCH_DIRS. The state file is input like any other: its paths are checked with this
// before anything is removed.
bool is_output_relative(const std::string& relative, const std::vector<std::string>& arch_dirs);

}  // namespace btfgen
