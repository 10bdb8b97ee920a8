// A kernel read through the cache (cached_load.h).
//
// Example: debian/12/x86_64/6.1.0-13-amd64.btf.tar.xz (1.1 MB). It is read whole and hashed; with
// a valid entry for that hash the BTF member comes from the entry (zstd) and xz is never run; else
// the tarball is decompressed from the bytes already read, parsed, and the member handed back to
// be stored once the kernel's output is done.
#include "btfgen/cache/cached_load.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "btfgen/common/error.h"
#include "common/fd.h"
#include "common/sha256.h"

namespace btfgen {

namespace {

// The whole tarball at PATH when it is a regular file holding a tarball no larger than the cap;
// nullopt for anything else (load_kernel_btf then reads it, and reports what is wrong with it).
std::optional<std::vector<uint8_t>> read_tarball(const std::string& path, const InputLimits& limits) {
  const Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return std::nullopt;
  struct stat st{};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  if (static_cast<uint64_t>(st.st_size) > limits.max_input_size) return std::nullopt;
  // Sniffed first: a raw BTF or an ELF is not read twice.
  uint8_t head[512];
  const ssize_t got = pread(fd.get(), head, sizeof(head), 0);
  if (got <= 0 || !is_tarball({head, static_cast<size_t>(got)})) return std::nullopt;
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;  // shrank while read: what was read is what is built and keyed
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace

CachedKernel load_kernel_btf_cached(const std::string& path, const InputLimits& limits, KernelCache* cache) {
  CachedKernel out;
  std::optional<std::vector<uint8_t>> tarball;
  if (cache != nullptr) tarball = read_tarball(path, limits);
  if (!tarball) {
    out.btf = load_kernel_btf(path, limits);
    return out;
  }
  if (limits.cancel != nullptr && limits.cancel->load(std::memory_order_relaxed))
    throw Error(ECANCELED, path + ": cancelled");
  const CacheKey key{.size = tarball->size(), .sha256 = sha256_digest(*tarball)};
  // The entry's limits are this run's: one claiming more than --max-input-size is not used, so a
  // kernel fails or succeeds the same with and without the cache.
  if (auto member = cache->lookup(key, path)) {
    try {
      out.btf = parse_tarball_member(*member, path, limits);
      out.hit = true;
      return out;
    } catch (const Error&) {  // NOLINT(bugprone-empty-catch): verified bytes that do not parse: use the tarball
    }
  }
  TarballMember member = read_tarball_member(*tarball, path, limits);
  tarball.reset();
  out.btf = parse_tarball_member(member, path, limits);
  out.pending = PendingEntry{key, std::move(member), path};
  return out;
}

}  // namespace btfgen
