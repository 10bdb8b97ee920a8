// `btfgen cache stats|clean` (cache_admin.h): a listing by name pattern and magic; removal of ours only.
#include "btfgen/cache/cache_admin.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "btfgen/common/error.h"
#include "cache/cache_entry.h"
#include "common/fd.h"

namespace btfgen {

namespace {

struct DirDeleter {
  void operator()(DIR* d) const noexcept { closedir(d); }
};

enum class Kind { Entry, Temporary, Foreign };

struct Listed {
  std::string name;
  Kind kind;
  struct stat st;
};

// Every name in DIR (but . and ..), classified; DIR_FD receives the directory's descriptor.
std::vector<Listed> list(const std::string& dir, Fd& dir_fd) {
  dir_fd = Fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd) throw Error(errno, dir + ": cannot read the cache directory: " + std::strerror(errno));
  const int listing = dup(dir_fd.get());
  if (listing < 0) throw Error(errno, dir + ": " + std::strerror(errno));
  const std::unique_ptr<DIR, DirDeleter> d(fdopendir(listing));
  if (!d) {
    close(listing);
    throw Error(errno, dir + ": cannot read the cache directory: " + std::strerror(errno));
  }
  std::vector<Listed> out;
  while (const dirent* e = readdir(d.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    Listed l{name, Kind::Foreign, {}};
    if (fstatat(dir_fd.get(), name.c_str(), &l.st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(l.st.st_mode) &&
        (cache_entry::is_entry_name(name) || cache_entry::is_temp_name(name)) &&
        cache_entry::has_magic(dir_fd.get(), name))
      l.kind = cache_entry::is_entry_name(name) ? Kind::Entry : Kind::Temporary;
    out.push_back(std::move(l));
  }
  std::sort(out.begin(), out.end(), [](const Listed& a, const Listed& b) { return a.name < b.name; });
  return out;
}

}  // namespace

CacheStats cache_stats(const std::string& dir) {
  Fd dir_fd;
  CacheStats stats;
  for (const auto& l : list(dir, dir_fd)) {
    switch (l.kind) {
      case Kind::Entry: {
        ++stats.entries;
        stats.entry_bytes += static_cast<uint64_t>(l.st.st_size);
        if (const auto peek = cache_entry::peek(dir_fd.get(), l.name)) {
          stats.btf_bytes += peek->member_size;
          if (peek->delta) ++stats.deltas;
        }
        const int64_t used = mtime_ns(l.st);
        if (stats.entries == 1 || used < stats.oldest_use_ns) stats.oldest_use_ns = used;
        if (stats.entries == 1 || used > stats.newest_use_ns) stats.newest_use_ns = used;
        break;
      }
      case Kind::Temporary:
        ++stats.temporary;
        break;
      case Kind::Foreign:
        ++stats.foreign;
        break;
    }
  }
  return stats;
}

CacheCleaned clean_cache(const std::string& dir) {
  Fd dir_fd;
  CacheCleaned cleaned;
  for (const auto& l : list(dir, dir_fd)) {
    if (l.kind == Kind::Foreign) {
      ++cleaned.kept;
      continue;
    }
    if (unlinkat(dir_fd.get(), l.name.c_str(), 0) != 0) {
      if (errno != ENOENT) cleaned.errors.push_back(dir + "/" + l.name + ": cannot remove: " + std::strerror(errno));
      continue;
    }
    ++cleaned.removed;
    cleaned.removed_bytes += static_cast<uint64_t>(l.st.st_size);
  }
  return cleaned;
}

}  // namespace btfgen
