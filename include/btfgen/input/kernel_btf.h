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
#include <vector>

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

// The two halves of reading a tarball, for callers that keep its decompressed BTF member (the
// kernel cache): load_kernel_btf on a tarball is parse_tarball_member(read_tarball_member(...)).
struct TarballMember {
  std::string name;            // the member's name inside the tarball
  std::vector<uint8_t> bytes;  // its decompressed bytes (at most LIMITS.max_input_size)
  uint64_t stream_bytes = 0;   // decompressed bytes of the whole stream consumed to reach its end
};

// True when HEAD (a file's first bytes) starts a tarball, plain or compressed.
bool is_tarball(std::span<const uint8_t> head);

// The first regular "*.btf" member of the tarball TARBALL (in memory), within LIMITS. Throws
// btfgen::Error naming ORIGIN.
TarballMember read_tarball_member(std::span<const uint8_t> tarball, const std::string& origin,
                                  const InputLimits& limits = {});

// MEMBER parsed as load_kernel_btf parses a tarball's member; errors name ORIGIN and the member.
BtfPtr parse_tarball_member(const TarballMember& member, const std::string& origin, const InputLimits& limits = {});

}  // namespace btfgen
