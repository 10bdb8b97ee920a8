#include "archive_setup.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "commands.h"

namespace btfgen::cli {

std::optional<ArchiveWalk> walk_for_command(const std::string& archive, const std::string& arch,
                                            const WalkOptions& options, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::is_directory(archive, ec)) {
    error = fmt::format(
        "archive directory '{}' not found. In a checkout with the btfhub-archive submodule run `git submodule "
        "update --init --depth 1 btfhub-archive`, or pass --archive DIR.",
        archive);
    return std::nullopt;
  }
  ArchiveWalk walk;
  try {
    walk = walk_archive(archive, arch, options);
  } catch (const Error& e) {
    error = e.code() == ECANCELED ? "" : e.what();
    return std::nullopt;
  }
  if (walk.kernels.empty()) {
    std::string dirs;
    for (const auto& d : walk.arch_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
    std::string names;
    for (const auto& a : arch_aliases(arch)) names += (names.empty() ? "" : "|") + a;
    error = fmt::format(
        "no kernels for arch '{}' (directories named {}) in '{}'; arch directories found: {}", arch, names, archive,
        dirs.empty() ? "none (an uninitialised submodule? run `git submodule update --init --depth 1 btfhub-archive`)"
                     : dirs);
    return std::nullopt;
  }
  if (walk.selected_count() == 0) {
    error = fmt::format("{} kernels for arch '{}' in '{}', but none passes --include/--exclude", walk.kernels.size(),
                        arch, archive);
    return std::nullopt;
  }
  return walk;
}

unsigned online_cpus() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

std::optional<uint64_t> check_archive_limits(unsigned jobs, const std::string& max_input_size, std::string& error) {
  if (jobs == 0) {
    error = "--jobs must be at least 1";
    return std::nullopt;
  }
  if (max_input_size.empty()) return kDefaultMaxInputSize;
  return parse_max_input_size(max_input_size, error);
}

}  // namespace btfgen::cli
