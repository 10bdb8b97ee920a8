// Reading a kernel's BTF: a raw .btf file, an ELF with a .BTF section (vmlinux), or a btfhub
// .btf.tar.xz decompressed in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/btf_handle.h"

namespace btfgen {

// Parses BTF bytes the way libbpf's btf__parse treats a file with those contents: raw BTF when the
// magic matches (either byte order), otherwise an ELF whose last ".BTF" section is used.
BtfPtr parse_kernel_btf(const std::vector<uint8_t>& bytes, const std::string& origin);

// Reads the single "*.btf" member of a .tar.xz (or any libarchive-readable tarball) into memory.
std::vector<uint8_t> read_btf_from_tarball(const std::string& path);

// Loads a kernel BTF from PATH: *.tar.xz/*.tar.gz/*.tar via read_btf_from_tarball, anything else
// through libbpf's btf__parse (same acceptance as bpftool).
BtfPtr load_kernel_btf(const std::string& path);

// True when PATH names a tarball (by suffix).
bool is_tarball_path(const std::string& path);

}  // namespace btfgen
