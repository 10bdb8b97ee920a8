// libFuzzer target: arbitrary kernel BTF bytes through parse_kernel_input and minimize() with real
// CO-RE objects (the test programs, path baked in at build time). libbpf 1.1 accepts BTF with
// dangling type ids and odd layouts; btfgen must produce bytes or throw btfgen::Error, never crash,
// and a decision-preserving output must always be possible where bpftool's changes a decision.
#include <bpf/libbpf.h>
#include <dirent.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"

namespace {

// One ObjectSet per test program, so that a program that fails on a target (ambiguity, anonymous
// root, unsupported kind) does not hide what the others reach.
const std::vector<btfgen::ObjectSet>& object_sets() {
  static const std::vector<btfgen::ObjectSet> sets = [] {
    std::vector<btfgen::ObjectSet> out;
    const std::string dir = BTFGEN_FUZZ_OBJECT_DIR;
    if (DIR* d = opendir(dir.c_str())) {
      while (const dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() > 6 && name.compare(name.size() - 6, 6, ".bpf.o") == 0 &&
            name.find("_be.") == std::string::npos)
          out.push_back(btfgen::ObjectSet::load({dir + "/" + name}));
      }
      closedir(d);
    }
    if (out.empty()) __builtin_trap();  // no test programs: the target would fuzz nothing
    return out;
  }();
  return sets;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  libbpf_set_print(nullptr);  // libbpf's warnings about malformed inputs are expected noise here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  btfgen::BtfPtr target;
  try {
    target = btfgen::parse_kernel_input(bytes, "fuzz");
  } catch (const btfgen::Error&) {
    return 0;
  }
  // Every input also goes through what a report and --preserve-decisions do: re-deciding on the
  // minimized output, and, where that would change a decision, the decision-preserving output.
  // That one may still fail the kernel (EPROTO) where the emitted types themselves change a
  // decision (regressions/fuzz_minimize/bitfield-of-pointer.btf), but never crash, and it is made
  // exactly when there are hazards.
  for (const auto& set : object_sets()) {
    try {
      const auto out = btfgen::minimize_kernel(target.get(), set, {.preserve_decisions = true, .decisions = true});
      if (out.bytes.size() < 25) __builtin_trap();  // at least a header and one string byte
      if (out.preserved == out.hazards.empty()) __builtin_trap();
    } catch (const btfgen::Error&) {
    }
  }
  return 0;
}
