#include "btfgen/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "btfgen/error.h"

namespace btfgen {

namespace {

std::string temp_template_for(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + name + ".tmp.XXXXXX";
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::string templ = temp_template_for(path_);
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  fd_ = mkstemp(buf.data());
  if (fd_ < 0) {
    const int err = errno;
    throw Error(err, path_ + ": cannot create output file: " + std::strerror(err));
  }
  temp_path_ = buf.data();
  // mkstemp creates 0600; output files are ordinary data files.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd_, 0666 & ~mask);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_ && !temp_path_.empty()) unlink(temp_path_.c_str());
}

void AtomicFile::write(std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      throw Error(err, path_ + ": cannot write output file: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  if (fsync(fd_) != 0 || close(fd_) != 0) {
    const int err = errno;
    fd_ = -1;
    throw Error(err, path_ + ": cannot write output file: " + std::strerror(err));
  }
  fd_ = -1;
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    throw Error(err, path_ + ": cannot rename output file into place: " + std::strerror(err));
  }
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::span<const uint8_t> bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace btfgen
