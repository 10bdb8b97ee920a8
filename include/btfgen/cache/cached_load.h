// Reading a kernel through the cache: the one place the build asks for a kernel's BTF.
#pragma once

#include <optional>
#include <string>

#include "btfgen/cache/kernel_cache.h"
#include "btfgen/common/btf_handle.h"
#include "btfgen/input/kernel_btf.h"

namespace btfgen {

// load_kernel_btf through CACHE (may be null): a tarball is hashed, then read from its entry when
// one is valid; otherwise decompressed, and its member returned in PENDING for the caller to store.
// Other inputs (raw BTF, ELF) are not cached: they are read directly, already without xz.
struct CachedKernel {
  BtfPtr btf;
  bool hit = false;
  std::optional<PendingEntry> pending;
};
CachedKernel load_kernel_btf_cached(const std::string& path, const InputLimits& limits, KernelCache* cache);

}  // namespace btfgen
