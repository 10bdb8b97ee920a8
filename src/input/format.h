// What a file is, from its first bytes (never from its name).
#pragma once

#include <cstdint>
#include <span>

namespace btfgen {

enum class InputFormat { RawBtf, Elf, Archive, Unknown };

// Up to the first 512 bytes of a file: BTF magic (either byte order), ELF magic, a compressed
// stream (xz, gzip, zstd, bzip2) or a ustar header.
InputFormat sniff_format(std::span<const uint8_t> head);
inline constexpr size_t kSniffBytes = 512;

// btf__new takes a 32-bit size.
inline constexpr uint64_t kMaxBtfSize = 0xffffffffu;

}  // namespace btfgen
