#include "btfgen/build/output_tree.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "btfgen/common/output_file.h"
#include "common/fd.h"

namespace btfgen {

namespace {

std::vector<std::string> split_path(const std::string& relative) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t slash = relative.find('/', start);
    parts.push_back(relative.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return parts;
    start = slash + 1;
  }
}

// The directories on the way to a file: DIRS[i] is the i-th component's descriptor.
struct Parents {
  std::vector<Fd> dirs;
  int fd(int root_fd) const { return dirs.empty() ? root_fd : dirs.back().get(); }
};

// Opens every directory of RELATIVE's parent path below ROOT_FD without following links.
// Missing directories are created when CREATE, else the result is empty.
std::optional<Parents> open_parents(int root_fd, const std::string& root, const std::string& relative, bool create) {
  const auto parts = split_path(relative);
  Parents p;
  std::string shown = root;
  for (size_t i = 0; i + 1 < parts.size(); i++) {
    const std::string& name = parts[i];
    shown += "/" + name;
    const int at = p.fd(root_fd);
    Fd fd(openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && errno == ENOENT) {
      if (!create) return std::nullopt;
      if (mkdirat(at, name.c_str(), 0777) != 0 && errno != EEXIST)
        throw Error(errno, shown + ": cannot create directory: " + std::strerror(errno));
      fd = Fd(openat(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (!fd) {
      const int err = errno;
      if (err == ELOOP || err == ENOTDIR)
        throw Error(ENOTDIR, shown +
                                 ": not a directory (a symbolic link or a file); btfgen writes only "
                                 "inside its output tree and never through links");
      throw Error(err, shown + ": cannot open directory: " + std::strerror(err));
    }
    p.dirs.push_back(std::move(fd));
  }
  return p;
}

std::string base_name(const std::string& relative) { return relative.substr(relative.find_last_of('/') + 1); }

}  // namespace

bool is_output_relative(const std::string& relative, const std::vector<std::string>& arch_dirs) {
  if (relative.empty() || relative.find('\0') != std::string::npos) return false;
  const auto parts = split_path(relative);
  if (parts.size() < 2) return false;
  for (const auto& part : parts) {
    if (part.empty() || part[0] == '.') return false;  // "", ".", "..", hidden names, a leading '/'
  }
  const std::string& kernel = parts.back();
  if (kernel.size() <= 4 || !kernel.ends_with(".btf")) return false;
  const std::string& arch = parts[parts.size() - 2];
  return std::find(arch_dirs.begin(), arch_dirs.end(), arch) != arch_dirs.end();
}

OutputTree::OutputTree(const std::string& root) : root_(root) {
  std::error_code ec;
  std::filesystem::create_directories(root_, ec);
  root_fd_ = open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) {
    const int err = ec ? ec.value() : errno;
    throw Error(err, root_ + ": cannot create output directory: " + std::strerror(err));
  }
}

OutputTree::OutputTree(OutputTree&& other) noexcept
    : root_(std::move(other.root_)), root_fd_(std::exchange(other.root_fd_, -1)) {}

OutputTree::~OutputTree() {
  if (root_fd_ >= 0) ::close(root_fd_);  // also releases the lock
}

void OutputTree::lock(bool wait, const std::atomic<bool>* cancel) {
  for (;;) {
    if (flock(root_fd_, LOCK_EX | LOCK_NB) == 0) return;
    if (errno != EWOULDBLOCK && errno != EINTR)
      throw Error(errno, root_ + ": cannot lock output directory: " + std::strerror(errno));
    if (!wait)
      throw Error(EBUSY, root_ +
                             ": another btfgen build is writing to this output directory "
                             "(wait for it with --wait-lock)");
    if (cancel != nullptr && cancel->load()) throw Error(ECANCELED, root_ + ": cancelled while waiting for the lock");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::optional<struct stat> OutputTree::stat(const std::string& relative) const {
  const auto parents = open_parents(root_fd_, root_, relative, false);
  if (!parents) return std::nullopt;
  struct stat st{};
  if (fstatat(parents->fd(root_fd_), base_name(relative).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw Error(errno, shown(relative) + ": cannot stat: " + std::strerror(errno));
  }
  return st;
}

bool OutputTree::holds(const std::string& relative, std::span<const uint8_t> bytes) const {
  std::optional<Parents> parents;
  try {
    parents = open_parents(root_fd_, root_, relative, false);
  } catch (const Error&) {
    return false;
  }
  if (!parents) return false;
  Fd fd(openat(parents->fd(root_fd_), base_name(relative).c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st{};
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != bytes.size())
    return false;
  std::vector<uint8_t> have(bytes.size());
  size_t done = 0;
  while (done < have.size()) {
    const ssize_t n = pread(fd.get(), have.data() + done, have.size() - done, static_cast<off_t>(done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return std::equal(have.begin(), have.end(), bytes.begin());
}

bool OutputTree::write(const std::string& relative, std::span<const uint8_t> bytes, const std::atomic<bool>* cancel) {
  // Creating, it never comes back empty.
  const Parents parents =
      open_parents(root_fd_, root_, relative, true).value();  // NOLINT(bugprone-unchecked-optional-access)
  const int dir = parents.fd(root_fd_);
  const std::string name = base_name(relative);
  AtomicFile file(dir, name, shown(relative));
  struct stat old{};
  if (fstatat(dir, name.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(old.st_mode)) file.keep_attributes_of(old);
  file.write(bytes);
  if (cancel != nullptr && cancel->load()) return false;  // ~AtomicFile removes the temporary file
  file.commit();
  return true;
}

OutputTree::Removal OutputTree::remove(const std::string& relative) {
  std::optional<Parents> parents;
  try {
    parents = open_parents(root_fd_, root_, relative, false);
  } catch (const Error&) {
    return Removal::NotAFile;  // a link or a file on the way: whatever is there is not ours
  }
  if (!parents) return Removal::Missing;
  const std::string name = base_name(relative);
  struct stat st{};
  if (fstatat(parents->fd(root_fd_), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Removal::Missing;
    throw Error(errno, shown(relative) + ": cannot remove stale output: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Removal::NotAFile;
  if (unlinkat(parents->fd(root_fd_), name.c_str(), 0) != 0 && errno != ENOENT)
    throw Error(errno, shown(relative) + ": cannot remove stale output: " + std::strerror(errno));
  // Directories left empty go too, deepest first; the first that is not empty stops it.
  const auto parts = split_path(relative);
  for (size_t i = parents->dirs.size(); i-- > 0;) {
    const int at = i == 0 ? root_fd_ : parents->dirs[i - 1].get();
    if (unlinkat(at, parts[i].c_str(), AT_REMOVEDIR) != 0) break;
  }
  return Removal::Removed;
}

}  // namespace btfgen
