// Finds the kernels of one architecture in a btfhub-archive checkout.
//
// btfhub lays kernels out as <distro>/<version>/<arch>/<uname -r>.btf.tar.xz, but forks and
// oddities add depth (a stray top-level `1/x86_64/`) or spell the arch differently (`aarch64`).
// So the walker does not assume a depth: any regular file named *.btf.tar.xz or *.btf whose parent
// directory is one of the arch's names is a kernel, and the path above it is kept as found.
// Example: archive/1/x86_64/4.14.123.btf.tar.xz → output_relative "1/x86_64/4.14.123.btf".
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "btfgen/archive_walker.h"
#include "btfgen/error.h"

namespace btfgen {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTarSuffix = ".tar.xz";
constexpr std::string_view kBtfSuffix = ".btf";

bool matches_any(const std::vector<std::string>& globs, const ArchiveKernel& k) {
  for (const auto& g : globs) {
    if (fnmatch(g.c_str(), k.input_relative.c_str(), 0) == 0 ||
        fnmatch(g.c_str(), k.output_relative.c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> arch_aliases(const std::string& arch) {
  static const std::vector<std::vector<std::string>> families = {{"x86_64", "x86", "amd64"},
                                                                 {"arm64", "aarch64"}};
  for (const auto& family : families) {
    if (std::find(family.begin(), family.end(), arch) != family.end()) return family;
  }
  return {arch};
}

size_t ArchiveWalk::selected_count() const {
  return static_cast<size_t>(
      std::count_if(kernels.begin(), kernels.end(), [](const ArchiveKernel& k) { return k.selected; }));
}

ArchiveWalk walk_archive(const std::string& archive, const std::string& arch,
                         const std::vector<std::string>& include,
                         const std::vector<std::string>& exclude, const std::string& skip_dir) {
  const auto aliases = arch_aliases(arch);
  const fs::path root(archive);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    throw Error(ENOENT, archive + ": archive directory not found");
  }

  std::set<std::string> arch_dirs;
  std::map<std::string, ArchiveKernel> by_output;  // output_relative → kernel (sorted)
  fs::recursive_directory_iterator it(root, fs::directory_options::follow_directory_symlink, ec);
  if (ec) throw Error(ec.value(), archive + ": cannot read archive directory: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw Error(ec.value(), archive + ": cannot read archive directory: " + ec.message());
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (it->is_directory(ec)) {
      // .git and other hidden trees are never kernels; our own output tree is not input.
      if ((!name.empty() && name[0] == '.') ||
          (!skip_dir.empty() && fs::equivalent(path, skip_dir, ec))) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (name.empty() || name[0] == '.') continue;  // temp files of an interrupted writer, dotfiles
    const bool tarball = std::string_view(name).ends_with(".btf.tar.xz");
    if (!tarball && !std::string_view(name).ends_with(kBtfSuffix)) continue;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;  // follows symlinks

    const std::string parent = path.parent_path().filename().string();
    arch_dirs.insert(parent);
    if (std::find(aliases.begin(), aliases.end(), parent) == aliases.end()) continue;

    ArchiveKernel k;
    k.input_path = path.string();
    k.input_relative = path.lexically_relative(root).string();
    k.output_relative =
        tarball ? k.input_relative.substr(0, k.input_relative.size() - kTarSuffix.size()) : k.input_relative;
    k.input_size = static_cast<uint64_t>(st.st_size);
    k.input_mtime_ns = int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    k.selected = (include.empty() || matches_any(include, k)) && !matches_any(exclude, k);

    auto [pos, inserted] = by_output.try_emplace(k.output_relative, k);
    if (!inserted && tarball) pos->second = std::move(k);  // the tarball wins over a plain .btf
  }

  ArchiveWalk walk;
  walk.arch_dirs.assign(arch_dirs.begin(), arch_dirs.end());
  walk.kernels.reserve(by_output.size());
  for (auto& [_, k] : by_output) walk.kernels.push_back(std::move(k));
  return walk;
}

}  // namespace btfgen
