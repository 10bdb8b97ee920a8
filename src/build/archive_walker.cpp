// Finds the kernels of one architecture in a btfhub-archive checkout.
//
// btfhub lays kernels out as <distro>/<version>/<arch>/<uname -r>.btf.tar.xz, but forks and
// oddities add depth (a stray top-level `1/x86_64/`) or spell the arch differently (`aarch64`).
// So the walker does not assume a depth: any regular file named *.btf.tar.xz or *.btf whose parent
// directory is one of the arch's names is a kernel, and the path above it is kept as found.
// Example: archive/1/x86_64/4.14.123.btf.tar.xz → output_relative "1/x86_64/4.14.123.btf".
//
// The walk is our own (openat + readdir) rather than std::filesystem's iterator, for four reasons:
// an error must stop the walk loudly (the iterator turns it into a silent end), every directory is
// entered once by device + inode (symlink loops), nothing is ever opened but directories (a FIFO
// named like a kernel must not block us), and Ctrl-C is checked at every entry.
#include "btfgen/build/archive_walker.h"

#include <dirent.h>
#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "btfgen/common/error.h"
#include "common/directory.h"
#include "common/fd.h"

namespace btfgen {

namespace {

constexpr std::string_view kTarSuffix = ".tar.xz";
constexpr std::string_view kTarballName = ".btf.tar.xz";
constexpr std::string_view kBtfName = ".btf";

using FileKey = std::pair<uint64_t, uint64_t>;  // device, inode

FileKey key_of(const struct stat& st) { return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)}; }

bool matches_any(const std::vector<std::string>& globs, const ArchiveKernel& k) {
  for (const auto& g : globs) {
    if (fnmatch(g.c_str(), k.input_relative.c_str(), 0) == 0 || fnmatch(g.c_str(), k.output_relative.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

bool kernel_like(std::string_view name) { return name.ends_with(kTarballName) || name.ends_with(kBtfName); }

const char* special_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

class Walker {
 public:
  Walker(const std::string& archive, const std::string& arch, const WalkOptions& options)
      : root_(archive), aliases_(arch_aliases(arch)), options_(options) {}

  ArchiveWalk run() {
    struct stat st{};
    if (stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      throw Error(ENOENT, root_ + ": archive directory not found");
    }
    if (!options_.skip_dir.empty()) {
      struct stat skip{};
      if (stat(options_.skip_dir.c_str(), &skip) == 0) skip_ = key_of(skip);
    }
    visited_.insert(key_of(st));
    pending_.push_back({"", false, key_of(st)});
    // The real tree first, then the directories only reachable through symbolic links: a kernel
    // keeps its real path when it has one. A real directory is marked visited when it is found, a
    // linked one when its turn comes, so that a link found first never hides the real path.
    while (!pending_.empty() || !linked_.empty()) {
      if (pending_.empty()) {
        const Pending linked = linked_.front();
        linked_.pop_front();
        if (!visited_.insert(linked.key).second) continue;  // walked already: a loop or a second name
        pending_.push_back(linked);
      }
      const Pending dir = pending_.back();
      pending_.pop_back();
      walk_dir(dir);
    }

    ArchiveWalk walk;
    walk.arch_dirs.assign(arch_dirs_.begin(), arch_dirs_.end());
    walk.kernels.reserve(by_output_.size());
    for (auto& [_, k] : by_output_) walk.kernels.push_back(std::move(k));
    walk.notes = std::move(notes_);
    return walk;
  }

 private:
  struct Pending {
    std::string relative;  // "" for the root
    bool linked;           // opened through a symbolic link (follow it), else a real directory (don't)
    FileKey key;
  };

  std::string shown(const std::string& relative) const { return relative.empty() ? root_ : root_ + "/" + relative; }

  void check_cancel() const {
    if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed))
      throw Error(ECANCELED, root_ + ": walk cancelled");
  }

  void walk_dir(const Pending& dir) {
    check_cancel();
    const std::string path = shown(dir.relative);
    const bool follow = dir.linked || dir.relative.empty();  // the archive itself may be a link
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
    Fd fd(open(path.c_str(), flags));
    if (!fd) {
      if (errno == ENOENT) return;  // removed while we walk: it holds nothing now
      throw Error(errno, path + ": cannot read directory: " + std::strerror(errno));
    }
    const int dir_fd = fd.get();
    Fd keep(dup(dir_fd));  // fdopendir takes FD; fstatat below needs one of its own
    if (!keep) throw Error(errno, path + ": cannot read directory: " + std::strerror(errno));
    const std::string parent_name = dir.relative.substr(dir.relative.find_last_of('/') + 1);
    const bool arch_dir = std::find(aliases_.begin(), aliases_.end(), parent_name) != aliases_.end();

    for (const std::string& name : directory_names(std::move(fd), path)) {
      check_cancel();
      if (name.empty() || name[0] == '.') continue;  // ., .., .git, temporary files, dotfiles
      const std::string relative = join(dir.relative, name);
      struct stat st{};
      if (fstatat(keep.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) continue;
        throw Error(errno, shown(relative) + ": cannot read directory entry: " + std::strerror(errno));
      }
      bool linked = dir.linked;
      if (S_ISLNK(st.st_mode)) {
        if (fstatat(keep.get(), name.c_str(), &st, 0) != 0) {
          if (errno != ENOENT && errno != ELOOP)
            throw Error(errno, shown(relative) + ": cannot follow symbolic link: " + std::strerror(errno));
          if (kernel_like(name)) notes_.push_back(relative + ": skipped, a dangling or looping symbolic link");
          continue;
        }
        linked = true;
      }
      if (S_ISDIR(st.st_mode)) {
        if (skip_ && key_of(st) == *skip_) {
          check_output_holds_no_kernels(relative);
          continue;
        }
        if (linked)
          linked_.push_back({relative, true, key_of(st)});
        else if (visited_.insert(key_of(st)).second)
          pending_.push_back({relative, false, key_of(st)});
        continue;
      }
      if (!kernel_like(name)) continue;
      if (!S_ISREG(st.st_mode)) {
        notes_.push_back(relative + ": skipped, " + special_kind(st.st_mode) + ", not a file");
        continue;
      }
      arch_dirs_.insert(parent_name);
      if (arch_dir) add_kernel(relative, st);
    }
  }

  void add_kernel(const std::string& relative, const struct stat& st) {
    ArchiveKernel k;
    k.input_path = shown(relative);
    k.input_relative = relative;
    k.tarball = relative.ends_with(kTarballName);
    k.output_relative = k.tarball ? relative.substr(0, relative.size() - kTarSuffix.size()) : relative;
    if (!options_.arch_dir.empty()) {
      const size_t name = k.output_relative.find_last_of('/');
      const size_t arch = k.output_relative.find_last_of('/', name - 1);
      k.output_relative = (arch == std::string::npos ? "" : k.output_relative.substr(0, arch + 1)) + options_.arch_dir +
                          k.output_relative.substr(name);
    }
    k.input_size = static_cast<uint64_t>(st.st_size);
    k.input_mtime_ns = mtime_ns(st);
    std::tie(k.input_dev, k.input_ino) = key_of(st);
    k.selected = (options_.include.empty() || matches_any(options_.include, k)) && !matches_any(options_.exclude, k);
    auto [pos, inserted] = by_output_.try_emplace(k.output_relative, k);
    if (inserted) return;
    const auto dir_of = [](const std::string& p) { return p.substr(0, p.find_last_of('/')); };
    if (dir_of(pos->second.input_relative) == dir_of(k.input_relative)) {
      if (k.tarball) pos->second = std::move(k);  // X.btf beside X.btf.tar.xz: the tarball wins
      return;
    }
    // Two arch spellings met under --arch-dir: the first in path order stays.
    ArchiveKernel& kept = pos->second.input_relative < k.input_relative ? pos->second : k;
    const ArchiveKernel& dropped = &kept == &k ? pos->second : k;
    notes_.push_back(dropped.input_relative + ": skipped, gives the same output as " + kept.input_relative);
    if (&kept == &k) pos->second = std::move(k);
  }

  // The output directory sits inside the archive: fine while it holds only outputs, but a tarball
  // kernel in it means the output was placed over part of the archive.
  void check_output_holds_no_kernels(const std::string& relative) {
    std::vector<std::string> todo{relative};
    std::set<FileKey> seen;
    while (!todo.empty()) {
      check_cancel();
      const std::string dir = todo.back();
      todo.pop_back();
      Fd fd(open(shown(dir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
      if (!fd) continue;  // the run itself will say what is wrong with its output directory
      Fd keep(dup(fd.get()));
      for (const std::string& name : directory_names(std::move(fd), shown(dir))) {
        struct stat st{};
        if (fstatat(keep.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(st.st_mode) && seen.insert(key_of(st)).second) todo.push_back(join(dir, name));
        if (S_ISREG(st.st_mode) && name.ends_with(kTarballName))
          throw Error(EEXIST, options_.skip_dir + ": the output directory holds kernels of the archive (" +
                                  join(dir, name) + "); choose an output directory outside the archive's kernels");
      }
    }
  }

  std::string root_;
  std::vector<std::string> aliases_;
  const WalkOptions& options_;
  std::optional<FileKey> skip_;
  std::set<FileKey> visited_;
  std::vector<Pending> pending_;  // real directories, depth first
  std::deque<Pending> linked_;    // reached through symbolic links, walked after the real tree
  std::set<std::string> arch_dirs_;
  std::map<std::string, ArchiveKernel> by_output_;  // output_relative → kernel (sorted)
  std::vector<std::string> notes_;
};

}  // namespace

std::vector<std::string> arch_aliases(const std::string& arch) {
  static const std::vector<std::vector<std::string>> families = {{"x86_64", "x86", "amd64"}, {"arm64", "aarch64"}};
  for (const auto& family : families) {
    if (std::find(family.begin(), family.end(), arch) != family.end()) return family;
  }
  return {arch};
}

size_t ArchiveWalk::selected_count() const {
  return static_cast<size_t>(
      std::count_if(kernels.begin(), kernels.end(), [](const ArchiveKernel& k) { return k.selected; }));
}

bool ArchiveWalk::is_kernel_file(uint64_t dev, uint64_t ino) const {
  return std::any_of(kernels.begin(), kernels.end(),
                     [&](const ArchiveKernel& k) { return k.input_dev == dev && k.input_ino == ino; });
}

ArchiveWalk walk_archive(const std::string& archive, const std::string& arch, const WalkOptions& options) {
  return Walker(archive, arch, options).run();
}

}  // namespace btfgen
