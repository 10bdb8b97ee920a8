// Finding a btfhub-archive's kernels for one architecture (archive_walker.cpp).
#pragma once

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

}  // namespace btfgen
