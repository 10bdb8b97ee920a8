// libFuzzer target: the .BTF.ext walker on arbitrary bytes. It must return sections or throw
// btfgen::Error, never read out of bounds.
#include <bpf/btf.h>

#include <cstddef>
#include <cstdint>

#include "btfgen/common/btf_handle.h"
#include "btfgen/common/error.h"
#include "btfgen/input/bpf_object.h"
#include "input/btf_ext_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static btfgen::BtfPtr names = [] {
    btfgen::BtfPtr b(btf__new_empty());
    btf__add_str(b.get(), "kprobe/do_exit");
    return b;
  }();
  try {
    const auto sections = btfgen::read_core_relos(data, size, names.get(), "fuzz");
    size_t n = 0;
    for (const auto& s : sections) n += s.relos.size() + s.name.size();
    if (n == static_cast<size_t>(-1)) __builtin_trap();
  } catch (const btfgen::Error&) {
  }
  return 0;
}
