// Finding a btfhub-archive's kernels for one architecture (archive_walker.cpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace btfgen {

// Directory names that count as ARCH: x86_64|x86|amd64 and arm64|aarch64 are one family each;
// any other ARCH matches only itself. The first entry is the canonical name.
std::vector<std::string> arch_aliases(const std::string& arch);

struct ArchiveKernel {
  std::string input_path;       // path of the tarball or plain .btf file as found
  std::string input_relative;   // relative to the archive root: ubuntu/20.04/x86_64/5.4.0-42.btf.tar.xz
  std::string output_relative;  // the same without ".tar.xz":      ubuntu/20.04/x86_64/5.4.0-42.btf
  bool tarball = false;         // named *.btf.tar.xz (the name gives the output's; the content says how to read)
  uint64_t input_size = 0;
  int64_t input_mtime_ns = 0;
  uint64_t input_dev = 0, input_ino = 0;  // the real file, to recognise it under another name
  bool selected = true;                   // false when --include/--exclude filtered it out
};

struct ArchiveWalk {
  std::vector<ArchiveKernel> kernels;  // every kernel of the arch family, sorted by output_relative
  std::vector<std::string> arch_dirs;  // names of every directory that holds a kernel (any arch), sorted
  std::vector<std::string> notes;      // what was passed over and why (FIFOs, devices, dangling links)
  size_t selected_count() const;
  // True when the file DEV:INO is one of the kernels (under any name).
  bool is_kernel_file(uint64_t dev, uint64_t ino) const;
};

struct WalkOptions {
  std::vector<std::string> include;  // fnmatch(3) globs, no flags: `*` also matches `/`
  std::vector<std::string> exclude;
  // The output directory when it lies inside the archive: not walked for kernels. It must not hold
  // tarball kernels itself (an output placed over part of the archive is refused).
  std::string skip_dir;
  // Spell the arch directory of every output this way (--arch-dir: bcc and Inspektor Gadget look
  // up `uname -m`, so `aarch64`); empty keeps the archive's spelling. When two inputs then give the
  // same output (centos/8/arm64/K and centos/8/aarch64/K), the first in path order is kept and the
  // other noted.
  std::string arch_dir;
  const std::atomic<bool>* cancel = nullptr;  // raised: the walk stops with Error(ECANCELED)
};

// Walks ARCHIVE for `<arch>/<kernel>.btf.tar.xz` and `<arch>/<kernel>.btf` where <arch> is one of
// arch_aliases(ARCH), at any depth. Rules:
//   - hidden entries (.git, temporary files) are skipped;
//   - every directory is walked once (device + inode), through its real path when it has one:
//     symbolic links to directories are followed after the real tree, and never in a loop;
//   - FIFOs, devices and sockets are never opened; those named like kernels get a note;
//   - any error reading a directory throws Error naming it: a partial walk is never returned,
//     because the kernels it missed would look as if they had left the archive;
//   - when both X.btf and X.btf.tar.xz exist, the tarball wins;
//   - a kernel is selected when it matches an INCLUDE glob (or there is none) and no EXCLUDE glob,
//     tried on both input_relative and output_relative.
ArchiveWalk walk_archive(const std::string& archive, const std::string& arch, const WalkOptions& options = {});

}  // namespace btfgen
