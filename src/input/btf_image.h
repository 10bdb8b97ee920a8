// BTF from a file's bytes, exactly as libbpf 1.1's btf__parse accepts a file (spec §2.3), from a
// descriptor or from memory (a tarball member, a fuzz input). Rules, in order:
//   1. fewer than 2 bytes: EIO;
//   2. the BTF magic in either byte order: the whole input is raw BTF (btf__new's verdict; no ELF
//      fallback), never more than MAX_SIZE bytes;
//   3. otherwise an ELF: header, section-name table and every section header must be readable
//      (else libbpf's ELF format error, 4001); the LAST section named .BTF holds the types (none:
//      ENOENT) and, when asked for, the last .BTF.ext the CO-RE records (btf_ext__new's verdict);
//   4. two checks libbpf 1.1 lacks: a SHT_NOBITS .BTF (libbpf copies from a null pointer) is EINVAL,
//      and a .BTF larger than MAX_SIZE is EFBIG, before its bytes are read.
// Failures say what is wrong; the caller names the file.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "btfgen/common/btf_handle.h"
#include "common/result.h"

namespace btfgen {

struct BtfImage {
  BtfPtr btf;
  BtfExtPtr ext;                   // when asked for and present
  std::vector<uint8_t> ext_bytes;  // the .BTF.ext section as it is in the file
};

// From FD, a regular file of FILE_SIZE bytes: a raw BTF is read whole; an ELF's section data is
// read on demand (pread), so only the sections used cost memory.
Result<BtfImage> parse_btf_file(int fd, uint64_t file_size, bool want_ext, uint64_t max_size);

// From bytes in memory.
Result<BtfImage> parse_btf_bytes(std::span<const uint8_t> bytes, bool want_ext, uint64_t max_size);

}  // namespace btfgen
