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

// How libbpf ends one relocation on one kernel.
enum class ReloResult : uint8_t {
  Resolved,  // a candidate matched: the value it gives is patched in
  Missing,   // no candidate; libbpf patches the kind's default (0 for existence checks, sizes...)
  Poisoned,  // no candidate; libbpf poisons the instruction (the verifier rejects it if reachable)
};
const char* result_name(ReloResult r);  // "resolved", "missing", "poisoned"

struct KernelDecision {
  ReloResult result = ReloResult::Missing;
  uint64_t value = 0;       // the value patched in (0 when poisoned)
  std::string target_type;  // name of the matched target root type (resolved only; "" if anonymous)
};

// Same decision for libbpf: result and value, except TYPE_ID_TARGET, whose value is an id of the
// BTF at hand and is compared by the matched type's name (as ../shared/tools/libbpf-decisions does).
bool same_decision(uint32_t kind, const KernelDecision& a, const KernelDecision& b);

// A relocation on which libbpf, given bpftool's (default) minimized BTF, would decide otherwise
// than on the full kernel BTF (first-candidate marking vs libbpf's candidate narrowing).
struct Hazard {
  uint32_t object = 0;  // index in the ObjectSet
  uint32_t record = 0;  // the object's record index, counted across its sections in file order
  KernelDecision full, minimized;
  std::string error;  // libbpf would fail the whole object on the minimized BTF (then `minimized` is unset)
};

struct MinimizeOptions {
  // Keep every candidate libbpf could still pick, not only the first, on kernels where bpftool's
  // output would change a decision; elsewhere the bytes stay bpftool's. Implies `hazards`.
  bool preserve_decisions = false;
  bool decisions = false;  // fill MinimizedKernel::decisions
  bool hazards = false;    // decide again on the default output and list what changes
};

struct MinimizedKernel {
  std::vector<uint8_t> bytes;
  // [object][record]: every relocation's decision on the full BTF, records counted across the
  // object's sections in file order (only with MinimizeOptions::decisions).
  std::vector<std::vector<KernelDecision>> decisions;
  std::vector<Hazard> hazards;  // with MinimizeOptions::hazards (or preserve_decisions)
  bool preserved = false;       // `bytes` are the decision-preserving output, not bpftool's
};

// minimize() plus what a report needs, from one resolution pass over the full BTF. Throws as
// minimize() does. With preserve_decisions, a kernel whose preserved output would still change a
// decision fails (EPROTO) rather than produce a BTF that misleads libbpf.
MinimizedKernel minimize_kernel(const struct btf* target, const ObjectSet& objects, const MinimizeOptions& options);

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
