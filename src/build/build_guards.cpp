#include "btfgen/build/build_guards.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <optional>

#include "btfgen/common/error.h"

namespace btfgen {

namespace {

struct FileKey {
  dev_t dev;
  ino_t ino;
  bool operator==(const FileKey&) const = default;
};

std::optional<FileKey> key_of(const std::string& path) {
  struct stat st{};
  if (path.empty() || stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileKey{st.st_dev, st.st_ino};
}

}  // namespace

void check_output_dir(const std::string& archive, const std::string& output_dir) {
  const auto out = key_of(output_dir);
  if (!out) return;  // not there yet: it can hold nothing
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(archive, ec);
  if (ec) return;  // the walk reports a missing archive
  for (std::filesystem::path dir = real;; dir = dir.parent_path()) {
    if (key_of(dir.string()) == out) {
      const char* what =
          dir == real ? ": the output directory is the archive (" : ": the output directory contains the archive (";
      throw Error(EINVAL,
                  output_dir + what + archive + "); btfgen never writes among its inputs: choose another --output");
    }
    if (dir == dir.parent_path()) return;
  }
}

void check_not_an_input(const std::string& path, const std::string& what, const std::string& archive,
                        const ArchiveWalk& walk, const std::vector<std::string>& objects,
                        const std::string& state_path) {
  const auto target = key_of(path);
  if (!target) return;  // a new file
  auto refuse = [&](const std::string& which) {
    throw Error(EINVAL, path + ": " + what + " would overwrite " + which + "; choose another path");
  };
  if (key_of(archive) == target) refuse("the archive directory");
  if (walk.is_kernel_file(target->dev, target->ino)) refuse("a kernel of the archive");
  for (const auto& o : objects)
    if (key_of(o) == target) refuse("the BPF object " + o);
  if (key_of(state_path) == target) refuse("the build state");
}

void check_outside_output(const std::string& path, const std::string& what, const std::string& output_dir) {
  std::error_code ec;
  const auto out = std::filesystem::weakly_canonical(output_dir, ec);
  const auto file = std::filesystem::weakly_canonical(path, ec);
  if (ec) return;  // the write will say what is wrong with PATH
  for (auto dir = file.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (dir == out)
      throw Error(EINVAL, path + ": " + what + " would be written inside the output tree " + output_dir +
                              ", which holds only the minimized .btf files; choose a path outside it");
    if (dir == dir.parent_path()) return;
  }
}

}  // namespace btfgen
