// The kernel cache directory: lookups that verify, atomic stores, LRU eviction (kernel_cache.h).
//
// Example: two runs over the same 25 tarballs. The first misses 25 times and stores 25 entries
// (each after its kernel's output is committed); the second hashes each tarball (~1 ms), finds its
// entry, checks it and decompresses zstd (~5 ms) instead of xz (~50 ms), and sets its mtime to now.
#include "btfgen/cache/kernel_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "btfgen/common/error.h"
#include "cache/cache_entry.h"
#include "common/fd.h"

namespace btfgen {

namespace {

namespace fs = std::filesystem;

// zstd level 1: 2.9x on kernel BTF at ~200 MB/s, decompressed at ~700 MB/s (BENCHMARKS.md).
constexpr int kLevel = 1;

struct DirDeleter {
  void operator()(DIR* d) const noexcept { closedir(d); }
};

std::string errno_text(int code) { return std::strerror(code); }

// Writes all of BYTES to FD.
bool write_all(int fd, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads exactly BYTES.size() bytes at OFFSET.
bool read_all(int fd, std::span<uint8_t> bytes, off_t offset) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd, bytes.data() + done, bytes.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// A temporary file in DIR, unlinked on destruction unless committed.
class TempFile {
 public:
  explicit TempFile(const std::string& dir) : path_(dir + "/" + std::string(cache_entry::kTempPrefix) + "XXXXXX") {
    fd_ = Fd(mkostemp(path_.data(), O_CLOEXEC));
    if (!fd_) path_.clear();
  }
  ~TempFile() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_.get(); }
  bool ok() const { return static_cast<bool>(fd_); }
  // Renames the file to TARGET; false (errno set) when it cannot.
  bool commit(const std::string& target) {
    if (fchmod(fd_.get(), 0644) != 0 || close(fd_.release()) != 0) return false;
    if (rename(path_.c_str(), target.c_str()) != 0) return false;
    path_.clear();
    return true;
  }

 private:
  std::string path_;
  Fd fd_;
};

}  // namespace

const char* cache_event_name(CacheEvent::Kind kind) {
  switch (kind) {
    case CacheEvent::Kind::Hit:
      return "hit";
    case CacheEvent::Kind::Miss:
      return "miss";
    case CacheEvent::Kind::Rejected:
      return "rejected";
    case CacheEvent::Kind::Stored:
      return "stored";
    case CacheEvent::Kind::StoreFailed:
      return "store failed";
    case CacheEvent::Kind::Evicted:
      return "evicted";
  }
  return "?";
}

KernelCache::KernelCache(CacheOptions options) : options_(std::move(options)) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) {
    warning_ = options_.dir + ": cannot create the cache directory (" + ec.message() + "); building without the cache";
    return;
  }
  // Probe with a real temporary file: access(W_OK) says yes to root on a read-only mount.
  TempFile probe(options_.dir);
  if (!probe.ok()) {
    warning_ = options_.dir + ": cache directory is not writable (" + errno_text(errno) +
               "); building without storing entries";
    return;
  }
  writable_ = true;
}

std::vector<std::string> KernelCache::warnings() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  if (!warning_.empty()) out.push_back(warning_);
  if (!write_warning_.empty()) out.push_back(write_warning_);
  return out;
}

CacheCounters KernelCache::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void KernelCache::report(const CacheEvent& event) {
  std::lock_guard lock(mutex_);
  switch (event.kind) {
    case CacheEvent::Kind::Hit:
      ++counters_.hits;
      break;
    case CacheEvent::Kind::Miss:
      ++counters_.misses;
      break;
    case CacheEvent::Kind::Rejected:
      ++counters_.rejected;
      ++counters_.misses;
      break;
    case CacheEvent::Kind::Stored:
      ++counters_.stored;
      break;
    case CacheEvent::Kind::StoreFailed:
      ++counters_.store_failed;
      if (write_warning_.empty() && warning_.empty())
        write_warning_ = event.detail + " (further failures at debug level; the build goes on)";
      break;
    case CacheEvent::Kind::Evicted:
      ++counters_.evicted;
      break;
  }
  if (options_.on_event) {
    try {
      options_.on_event(event);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a reporting problem must not stop a kernel
    }
  }
}

std::optional<TarballMember> KernelCache::lookup(const CacheKey& key, const std::string& origin) {
  const std::string path = options_.dir + "/" + cache_entry::entry_name(key);
  auto reject = [&](const std::string& why) {
    report({CacheEvent::Kind::Rejected, origin, path + ": " + why + "; rebuilt from the tarball"});
    return std::nullopt;
  };
  // O_NONBLOCK: a FIFO planted at the entry's name must not hang the run.
  const Fd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) {
      report({CacheEvent::Kind::Miss, origin, {}});
      return std::nullopt;
    }
    return reject("cannot open: " + errno_text(errno));
  }
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) return reject("cannot stat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return reject("not a regular file");
  const auto file_size = static_cast<uint64_t>(st.st_size);
  uint8_t head[cache_entry::kHeaderSize];
  if (file_size < sizeof(head) || !read_all(fd.get(), head, 0)) return reject("truncated header");
  const auto header = cache_entry::parse_header(head, key, file_size, options_.max_input_size);
  if (!header) return reject(header.failure().message);
  std::vector<uint8_t> body;
  try {
    body.resize(header->name_length + header->payload_size);  // bounded by the checks above
  } catch (const std::bad_alloc&) {
    return reject("out of memory");
  }
  if (!read_all(fd.get(), body, static_cast<off_t>(sizeof(head)))) return reject("truncated body");
  auto member = cache_entry::decode_body(*header, body);
  if (!member) return reject(member.failure().message);
  // Least recently used is by mtime: a hit makes the entry young again (no-op when read-only).
  futimens(fd.get(), nullptr);
  report({CacheEvent::Kind::Hit, origin, {}});
  return std::move(*member);
}

void KernelCache::store_failed(const PendingEntry& entry, const std::string& why) {
  report({CacheEvent::Kind::StoreFailed, entry.origin, options_.dir + ": cannot write a cache entry: " + why});
}

void KernelCache::store(const PendingEntry& entry) {
  if (!writable_) return;  // said once, in warnings()
  std::vector<uint8_t> bytes;
  try {
    bytes = cache_entry::encode(entry.key, entry.member, kLevel);
  } catch (const std::exception& e) {
    store_failed(entry, e.what());
    return;
  }
  TempFile temp(options_.dir);
  if (!temp.ok()) return store_failed(entry, errno_text(errno));
  if (!write_all(temp.fd(), bytes)) return store_failed(entry, errno_text(errno != 0 ? errno : ENOSPC));
  const std::string path = options_.dir + "/" + cache_entry::entry_name(entry.key);
  if (!temp.commit(path)) return store_failed(entry, path + ": " + errno_text(errno));
  report({CacheEvent::Kind::Stored, entry.origin, {}});
}

void KernelCache::evict() {
  if (!writable_) return;
  const Fd dir_fd(open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) return;
  const int listing = dup(dir_fd.get());
  if (listing < 0) return;
  const std::unique_ptr<DIR, DirDeleter> dir(fdopendir(listing));
  if (!dir) {
    close(listing);
    return;
  }
  struct Entry {
    int64_t used_ns;
    uint64_t bytes;
    std::string name;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  while (const dirent* d = readdir(dir.get())) {
    const std::string name = d->d_name;
    if (!cache_entry::is_entry_name(name)) continue;
    struct stat st{};
    if (fstatat(dir_fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    entries.push_back({mtime_ns(st), static_cast<uint64_t>(st.st_size), name});
    total += entries.back().bytes;
  }
  if (total <= options_.max_bytes) return;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.used_ns != b.used_ns ? a.used_ns < b.used_ns : a.name < b.name;
  });
  for (const auto& e : entries) {
    if (total <= options_.max_bytes) break;
    // Only what is ours by name and magic; an entry another run just replaced is still ours.
    if (!cache_entry::has_magic(dir_fd.get(), e.name)) continue;
    if (unlinkat(dir_fd.get(), e.name.c_str(), 0) != 0) continue;
    total -= e.bytes;
    {
      std::lock_guard lock(mutex_);
      counters_.evicted_bytes += e.bytes;
    }
    report({CacheEvent::Kind::Evicted, options_.dir + "/" + e.name, {}});
  }
}

}  // namespace btfgen
