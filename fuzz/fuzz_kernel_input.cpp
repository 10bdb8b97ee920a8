// libFuzzer target: the kernel input reader on arbitrary bytes (parse_kernel_input): format
// sniffing, tar through libarchive with xz/gzip/zstd/bzip2 filters, an ELF member's .BTF section,
// raw BTF. It must return a BTF or throw btfgen::Error, never crash, and never hold more than the
// cap it was given (libFuzzer's -rss_limit_mb watches that).
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstddef>
#include <cstdint>

#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  libbpf_set_print(nullptr);  // libbpf's warnings about malformed inputs are expected noise here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const btfgen::InputLimits limits{.max_input_size = 16u << 20};
  try {
    const btfgen::BtfPtr btf = btfgen::parse_kernel_input({data, size}, "fuzz", limits);
    if (btf__type_cnt(btf.get()) == 0) __builtin_trap();  // id 0 (void) always exists
  } catch (const btfgen::Error&) {
  }
  return 0;
}
