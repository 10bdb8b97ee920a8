// The kernel cache directory: lookups that verify, atomic stores, LRU eviction (kernel_cache.h).
//
// Example: two runs over the 24 tarballs of debian/12/x86_64. The first misses 24 times and stores
// 24 entries (each after its kernel's output is committed): the first one stored alone (1.5 MB), the
// others against it (~1.1 MB each). The second hashes each tarball (~1 ms), finds its entry, checks
// it and decompresses zstd (~5 ms, the base once) instead of xz (~85 ms), and sets its mtime to now.
#include "btfgen/cache/kernel_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#include "btfgen/common/error.h"
#include "btfgen/common/output_file.h"
#include "cache/cache_entry.h"
#include "cache/mapped_bytes.h"
#include "common/fd.h"

namespace btfgen {

namespace {

namespace fs = std::filesystem;

struct DirDeleter {
  void operator()(DIR* d) const noexcept { closedir(d); }
};

std::string errno_text(int code) { return std::strerror(code); }

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

// The directory of the tarball at ORIGIN: kernels of one directory are one release's builds.
std::string group_of(const std::string& origin) {
  const size_t slash = origin.rfind('/');
  return slash == std::string::npos ? std::string(".") : origin.substr(0, slash);
}

struct EntryFile {
  Fd fd;
  cache_entry::Header header;
  std::vector<uint8_t> body;  // name and payload
};

// The entry file at PATH for KEY, its header checked: a miss (nullopt, WHY empty) when there is none,
// a rejection (nullopt, WHY set) when it is anything but a sound entry.
std::optional<EntryFile> read_entry_file(const std::string& path, const CacheKey& key, uint64_t max_input_size,
                                         std::string& why) {
  why.clear();
  // O_NONBLOCK: a FIFO planted at the entry's name must not hang the run.
  EntryFile e{Fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)), {}, {}};
  if (!e.fd) {
    if (errno != ENOENT && errno != ENOTDIR) why = "cannot open: " + errno_text(errno);
    return std::nullopt;
  }
  struct stat st{};
  if (fstat(e.fd.get(), &st) != 0) {
    why = "cannot stat: " + errno_text(errno);
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
    return std::nullopt;
  }
  const auto file_size = static_cast<uint64_t>(st.st_size);
  uint8_t head[cache_entry::kHeaderSize];
  if (file_size < sizeof(head) || !read_all(e.fd.get(), head, 0)) {
    why = "truncated header";
    return std::nullopt;
  }
  auto header = cache_entry::parse_header(head, key, file_size, max_input_size);
  if (!header) {
    why = header.failure().message;
    return std::nullopt;
  }
  e.header = *header;
  try {
    e.body.resize(e.header.name_length + e.header.payload_size);  // bounded by the checks above
  } catch (const std::bad_alloc&) {
    why = "out of memory";
    return std::nullopt;
  }
  if (!read_all(e.fd.get(), e.body, static_cast<off_t>(sizeof(head)))) {
    why = "truncated body";
    return std::nullopt;
  }
  return e;
}

// Entries are written like every file btfgen writes (a temporary file renamed into place), with a
// prefix `cache clean` recognises, and without fsync: a lost entry is only a miss.
AtomicFileOptions temp_file_options() { return {.temp_prefix = cache_entry::kTempPrefix, .durable = false}; }

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
  dir_fd_ = open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) {
    warning_ =
        options_.dir + ": cannot open the cache directory (" + errno_text(errno) + "); building without the cache";
    return;
  }
  // Probe with a real temporary file: access(W_OK) says yes to root on a read-only mount.
  try {
    const AtomicFile probe(dir_fd_, ".probe", options_.dir, temp_file_options());
  } catch (const Error& e) {
    warning_ = options_.dir + ": cache directory is not writable (" + errno_text(e.code()) +
               "); building without storing entries";
    return;
  }
  writable_ = true;
}

KernelCache::~KernelCache() {
  if (dir_fd_ >= 0) close(dir_fd_);
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

std::string KernelCache::entry_path(const CacheKey& key) const {
  return options_.dir + "/" + cache_entry::entry_name(key);
}

std::optional<KernelCache::Base> KernelCache::base_of_group(const std::string& group) {
  std::lock_guard lock(bases_mutex_);
  for (auto it = bases_.rbegin(); it != bases_.rend(); ++it)
    if (it->group == group) return *it;
  return std::nullopt;
}

void KernelCache::remember_base(Base base) {
  std::lock_guard lock(bases_mutex_);
  for (auto it = bases_.begin(); it != bases_.end(); ++it) {
    if (it->key == base.key) {  // used again: most recent last
      Base kept = std::move(*it);
      bases_.erase(it);
      bases_.push_back(std::move(kept));
      return;
    }
  }
  bases_.push_back(std::move(base));
  if (bases_.size() > kMaxBases) bases_.pop_front();
}

std::optional<KernelCache::Base> KernelCache::load_base(const CacheKey& key, const std::string& group,
                                                        std::string& why) {
  {
    std::lock_guard lock(bases_mutex_);
    for (const auto& b : bases_)
      if (b.key == key) return b;
  }
  auto file = read_entry_file(entry_path(key), key, options_.max_input_size, why);
  if (!file) {
    if (why.empty()) why = "missing";
    return std::nullopt;
  }
  if (file->header.delta) {
    why = "not a standalone entry";
    return std::nullopt;
  }
  auto member = cache_entry::decode_body(file->header, file->body);
  if (!member) {
    why = member.failure().message;
    return std::nullopt;
  }
  Base base;
  try {
    base = Base{key, group, MappedBytes::copy_of(member->bytes), file->header.member_checksum};
  } catch (const std::bad_alloc&) {
    why = "out of memory";
    return std::nullopt;
  }
  remember_base(base);
  return base;
}

std::optional<TarballMember> KernelCache::lookup(const CacheKey& key, const std::string& origin) {
  const std::string path = entry_path(key);
  auto reject = [&](const std::string& why) {
    report({CacheEvent::Kind::Rejected, origin, path + ": " + why + "; rebuilt from the tarball"});
    return std::nullopt;
  };
  std::string why;
  auto file = read_entry_file(path, key, options_.max_input_size, why);
  if (!file) {
    if (!why.empty()) return reject(why);
    report({CacheEvent::Kind::Miss, origin, {}});
    return std::nullopt;
  }
  const std::string group = group_of(origin);
  std::optional<Base> base;
  if (file->header.delta) {
    base = load_base(file->header.base_key, group, why);
    if (!base) return reject("its base " + entry_path(file->header.base_key) + ": " + why);
  }
  std::optional<cache_entry::Base> against;
  if (base) against = cache_entry::Base{base->key, base->bytes->span(), base->checksum};
  auto member = cache_entry::decode_body(file->header, file->body, against ? &*against : nullptr);
  if (!member) return reject(member.failure().message);
  // Least recently used is by mtime: a hit makes the entry young again (no-op when read-only).
  futimens(file->fd.get(), nullptr);
  // A standalone entry is the base a new kernel of its directory is stored against this run.
  if (!file->header.delta && writable_ && !base_of_group(group)) {
    try {
      remember_base({key, group, MappedBytes::copy_of(member->bytes), file->header.member_checksum});
    } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): a base is an optimisation
    }
  }
  report({CacheEvent::Kind::Hit, origin, {}});
  return std::move(*member);
}

void KernelCache::store_failed(const PendingEntry& entry, const std::string& why) {
  report({CacheEvent::Kind::StoreFailed, entry.origin, options_.dir + ": cannot write a cache entry: " + why});
}

void KernelCache::store(const PendingEntry& entry) {
  if (!writable_) return;  // said once, in warnings()
  const std::string group = group_of(entry.origin);
  std::optional<Base> base = base_of_group(group);
  if (base && base->key == entry.key) base.reset();
  std::vector<uint8_t> bytes;
  try {
    const cache_entry::Base against{base ? base->key : CacheKey{},
                                    base ? base->bytes->span() : std::span<const uint8_t>{}, base ? base->checksum : 0};
    bytes = cache_entry::encode(entry.key, entry.member, base ? &against : nullptr);
  } catch (const std::exception& e) {
    store_failed(entry, e.what());
    return;
  }
  const std::string name = cache_entry::entry_name(entry.key);
  try {
    AtomicFile file(dir_fd_, name, options_.dir + "/" + name, temp_file_options());
    file.write(bytes);
    file.commit();
  } catch (const Error& e) {
    return store_failed(entry, options_.dir + "/" + name + ": " + errno_text(e.code()));
  }
  report({CacheEvent::Kind::Stored, entry.origin, {}});
  if (!base) {
    try {
      remember_base({entry.key, group, MappedBytes::copy_of(entry.member.bytes), cache_entry::member_checksum(bytes)});
    } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): a base is an optimisation
    }
  }
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
    std::string base;  // a delta's base entry name
    bool is_base = false;
  };
  std::vector<Entry> entries;
  uint64_t total = 0;
  while (const dirent* d = readdir(dir.get())) {
    const std::string name = d->d_name;
    if (!cache_entry::is_entry_name(name)) continue;
    struct stat st{};
    if (fstatat(dir_fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    Entry e{mtime_ns(st), static_cast<uint64_t>(st.st_size), name, {}};
    if (const auto peek = cache_entry::peek(dir_fd.get(), name); peek && peek->delta)
      e.base = cache_entry::entry_name(peek->base_key);
    entries.push_back(std::move(e));
    total += entries.back().bytes;
  }
  if (total <= options_.max_bytes) return;
  // A base is as young as its youngest delta; a delta without its base is of no use and goes first.
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < entries.size(); ++i) by_name[entries[i].name] = i;
  for (auto& e : entries) {
    if (e.base.empty()) continue;
    const auto it = by_name.find(e.base);
    if (it == by_name.end()) {
      e.used_ns = INT64_MIN;
      continue;
    }
    Entry& base = entries[it->second];
    base.is_base = true;
    base.used_ns = std::max(base.used_ns, e.used_ns);
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.used_ns != b.used_ns) return a.used_ns < b.used_ns;
    if (a.is_base != b.is_base) return !a.is_base;  // at equal age a base outlives its deltas
    return a.name < b.name;
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
