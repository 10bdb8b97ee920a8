// Bytes kept in their own anonymous mapping instead of malloc's arenas. Private to src/cache/.
//
// Why: a base (kernel_cache.h) lives across many kernels. `btfgen build` keeps freed memory in the
// heap for reuse (mallopt in the CLI: no mmap/munmap per kernel), so a long-lived multi-MB block in
// a worker's arena, between the transient buffers of the kernels after it, makes the arena grow
// past it instead of reusing their space: peak RSS went from 100 to 170 MiB on the arm64 corpus.
// A mapping of its own is returned to the system when the last reference goes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace btfgen {

class MappedBytes {
 public:
  // A copy of BYTES; throws std::bad_alloc when it cannot be mapped.
  static std::shared_ptr<const MappedBytes> copy_of(std::span<const uint8_t> bytes);
  ~MappedBytes();
  MappedBytes(const MappedBytes&) = delete;
  MappedBytes& operator=(const MappedBytes&) = delete;

  std::span<const uint8_t> span() const { return {data_, size_}; }

 private:
  MappedBytes(uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t* data_;
  size_t size_;
};

}  // namespace btfgen
