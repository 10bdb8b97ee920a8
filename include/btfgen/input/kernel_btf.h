// Reading a kernel's BTF: a raw .btf file, an ELF with a .BTF section (vmlinux), or a tarball (tar,
// optionally xz/gzip/zstd/bzip2-compressed, like btfhub's .btf.tar.xz) decompressed in memory.
//
// The format is recognised by content, never by file name. Sizes in headers are claims: every cap
// is checked against the bytes that actually arrive, while streaming.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "btfgen/common/btf_handle.h"

namespace btfgen {

// Well above the largest real kernel BTF (btfhub's are 2-8 MiB).
inline constexpr uint64_t kDefaultMaxInputSize = uint64_t{256} << 20;
// btf__new takes a 32-bit size: no cap may exceed it.
inline constexpr uint64_t kMaxInputSizeCeiling = 0xffffffffu;

struct InputLimits {
  // The most bytes one kernel may cost: a tarball's decompressed stream (all members) and its BTF
  // member, a raw BTF file, an ELF's .BTF section. Above it the kernel fails with EFBIG.
  uint64_t max_input_size = kDefaultMaxInputSize;
  // When it becomes true, reading stops within one block with an Error of code ECANCELED.
  const std::atomic<bool>* cancel = nullptr;
};

// Loads a kernel BTF from PATH: raw BTF and ELF files are accepted exactly as libbpf's btf__parse
// (bpftool) accepts them; a tarball's first regular "*.btf" member is decompressed in memory and
// parsed the same way. A FIFO is refused before it is opened for blocking reads. Throws
// btfgen::Error naming PATH.
BtfPtr load_kernel_btf(const std::string& path, const InputLimits& limits = {});

// The same for bytes already in memory (fuzzing, tests); ORIGIN names them in errors.
BtfPtr parse_kernel_input(std::span<const uint8_t> bytes, const std::string& origin, const InputLimits& limits = {});

}  // namespace btfgen
