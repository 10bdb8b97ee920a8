#include "btfgen/common/output_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/random.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include "btfgen/common/error.h"
#include "common/fd.h"

namespace btfgen {

namespace {

constexpr int kMaxSymlinkHops = 40;  // as the kernel's own limit

[[noreturn]] void fail(int err, const std::string& shown, const char* what) {
  throw Error(err, shown + ": " + what + ": " + std::strerror(err));
}

std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  uint8_t raw[6];
  if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) != static_cast<ssize_t>(sizeof(raw))) {
    const auto t =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^ (uint64_t(getpid()) << 32);
    std::memcpy(raw, &t, sizeof(raw));
  }
  std::string s;
  for (uint8_t b : raw) s += kChars[b % (sizeof(kChars) - 1)];
  return s;
}

void write_all(int fd, std::span<const uint8_t> bytes, const std::string& shown) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, shown, "cannot write output file");
    }
    done += static_cast<size_t>(n);
  }
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// In place, as bpftool's fopen(path, "w"): the only way to reach a device, a FIFO's reader or
// every name of a hard-linked file.
void write_through(const std::string& path, std::span<const uint8_t> bytes, const std::string& shown) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (!fd) fail(errno, shown, "cannot write output file");
  write_all(fd.get(), bytes, shown);
  if (::close(fd.release()) != 0) fail(errno, shown, "cannot write output file");
}

void replace(const std::string& path, const struct stat* old, std::span<const uint8_t> bytes,
             const std::string& shown) {
  Fd dir(open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) fail(errno, shown, "cannot write output file");
  AtomicFile file(dir.get(), base_of(path), shown);
  if (old != nullptr) file.keep_attributes_of(*old);
  file.write(bytes);
  file.commit();
}

}  // namespace

AtomicFile::AtomicFile(int dir_fd, std::string name, std::string shown, AtomicFileOptions options)
    : dir_fd_(dir_fd), name_(std::move(name)), shown_(std::move(shown)), durable_(options.durable) {
  for (int attempt = 0; attempt < 100; attempt++) {
    temp_name_ = std::string(options.temp_prefix) + random_suffix();
    fd_ = openat(dir_fd_, temp_name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST) break;
  }
  const int err = errno;
  temp_name_.clear();
  fail(err, shown_, "cannot create output file");
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_name_.empty()) unlinkat(dir_fd_, temp_name_.c_str(), 0);
}

void AtomicFile::write(std::span<const uint8_t> bytes) { write_all(fd_, bytes, shown_); }

void AtomicFile::keep_attributes_of(const struct stat& old) {
  if (geteuid() == 0 && fchown(fd_, old.st_uid, old.st_gid) != 0) {
    // Not fatal: the content is what matters; the mode below still applies.
  }
  if (fchmod(fd_, old.st_mode & 07777) != 0) fail(errno, shown_, "cannot set the mode of output file");
}

void AtomicFile::commit() {
  if (durable_ && fsync(fd_) != 0) fail(errno, shown_, "cannot write output file");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(errno, shown_, "cannot write output file");
  if (renameat(dir_fd_, temp_name_.c_str(), dir_fd_, name_.c_str()) != 0)
    fail(errno, shown_, "cannot rename output file into place");
  committed_ = true;
}

void write_output_file(const std::string& path, std::span<const uint8_t> bytes) {
  std::string current = path;
  for (int hops = 0; hops <= kMaxSymlinkHops; hops++) {
    struct stat st{};
    if (lstat(current.c_str(), &st) != 0) {
      if (errno != ENOENT) fail(errno, path, "cannot write output file");
      return replace(current, nullptr, bytes, path);  // a new file (or a dangling link's target)
    }
    if (S_ISLNK(st.st_mode)) {
      // A link in /proc (/dev/stdout → /proc/self/fd/1, /dev/fd/N, >(cmd)) names an open
      // descriptor, not a path: its text may be "pipe:[123]" or "/x/f (deleted)". Only writing
      // through it reaches the file, as bpftool's fopen does.
      struct statfs fs{};
      if (statfs(dir_of(current).c_str(), &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC)
        return write_through(path, bytes, path);
      std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 0) + 256, '\0');
      const ssize_t n = readlink(current.c_str(), target.data(), target.size());
      if (n < 0) fail(errno, path, "cannot follow output link");
      target.resize(static_cast<size_t>(n));
      if (!target.starts_with("/")) target.insert(0, dir_of(current) + "/");
      current = target;
      continue;
    }
    if (S_ISDIR(st.st_mode)) fail(EISDIR, path, "cannot write output file");
    if (S_ISREG(st.st_mode) && st.st_nlink == 1) return replace(current, &st, bytes, path);
    return write_through(current, bytes, path);  // device, FIFO, hard-linked file (a socket fails)
  }
  fail(ELOOP, path, "cannot write output file");
}

void check_output_file(const std::string& path) {
  struct stat st{};
  std::string file = path;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) fail(EISDIR, path, "cannot write output file");
    if (!S_ISREG(st.st_mode)) return;  // a device or a FIFO: written through when the time comes
    std::unique_ptr<char, decltype(&free)> real(realpath(path.c_str(), nullptr), &free);
    if (real) file = real.get();
  } else if (errno != ENOENT) {
    fail(errno, path, "cannot write output file");
  }
  Fd dir(open(dir_of(file).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) fail(errno, path, "cannot write output file");
  const AtomicFile probe(dir.get(), base_of(file), path);  // a temporary file, removed on return
}

}  // namespace btfgen
