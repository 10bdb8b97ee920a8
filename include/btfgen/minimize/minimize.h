// `bpftool gen min_core_btf`, as a library: record which target types and members the objects'
// CO-RE relocations touch, then emit a BTF holding only those (minimize.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/input/bpf_object.h"
#include "btfgen/minimize/object_set.h"

struct btf;

namespace btfgen {

// Minimized BTF bytes for TARGET, byte-identical to bpftool 7.1.0's output.
// Throws btfgen::Error (with object, section, relocation and type context) where bpftool fails,
// and the objects' pending_error() after recording the objects loaded before it.
std::vector<uint8_t> minimize(const struct btf* target, const ObjectSet& objects);

// One relocation's decision, for tests that check a minimized BTF decides like the full one.
struct RelocationDecision {
  std::string section;
  uint32_t index = 0;  // index within its section
  uint32_t kind = 0;
  bool matched = false;  // at least one candidate matched
  bool poison = false;
  uint64_t value = 0;       // new value; for TYPE_ID_TARGET see target_name
  std::string target_name;  // name of the chosen target root type (empty when none)
};

// The decisions libbpf's CO-RE engine would take for every relocation of OBJECT against TARGET,
// with the same per-object candidate narrowing as `minimize`.
std::vector<RelocationDecision> decide_relocations(const struct btf* target, const BpfObject& object);

}  // namespace btfgen
