// Bytes in an anonymous mapping of their own (mapped_bytes.h).
#include "cache/mapped_bytes.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace btfgen {

std::shared_ptr<const MappedBytes> MappedBytes::copy_of(std::span<const uint8_t> bytes) {
  const size_t length = bytes.empty() ? 1 : bytes.size();
  void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return std::shared_ptr<const MappedBytes>(new MappedBytes(static_cast<uint8_t*>(p), bytes.size()));
}

MappedBytes::~MappedBytes() { munmap(data_, size_ == 0 ? 1 : size_); }

}  // namespace btfgen
