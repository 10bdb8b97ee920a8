// Resolving one CO-RE relocation record against a target BTF: candidates, matching, values,
// ambiguity and in-place narrowing of the cached candidate list (core_relo.cpp, spec §9).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/input/bpf_object.h"
#include "common/result.h"
#include "relo/core_spec.h"

struct btf;

namespace btfgen {

struct ReloValue {
  uint64_t value = 0;
  bool poison = false;  // libbpf would poison the instruction (no candidate, a kind that needs one)
};

// What resolving one record decided.
struct ReloOutcome {
  Spec target_spec;      // the FIRST matching candidate's spec, which the marker records;
                         // zeroed (root 0) when nothing matched or for TYPE_ID_LOCAL
  bool matched = false;  // at least one candidate matched
  ReloValue local;       // the value for the object's own BTF
  ReloValue target;      // the value libbpf patches in
};

// Resolves RELO of the object whose BTF is LOCAL against TARGET. CANDS is the cached candidate list
// for RELO.type_id (unused for TYPE_ID_LOCAL) and is narrowed in place to the candidates that
// matched. A Failure (bad record, match error, ambiguity, unsupported kind) says what, not where:
// the caller prefixes relo_context(). ALL_MATCHES, when given, receives the spec of every matching
// candidate in list order (the first is target_spec): what --preserve-decisions marks.
Result<ReloOutcome> resolve_relocation(const struct btf* local, const CoreRelo& relo, const struct btf* target,
                                       std::vector<uint32_t>* cands, std::vector<Spec>* all_matches = nullptr);

// A record's local side: "<byte_off> [12] struct task_struct + 0:1".
std::string describe_relo(const struct btf* local, const CoreRelo& relo);

// Where a record sits, the one prefix every relocation error carries:
// "trace.bpf.o: prog 'kprobe/do_exit' relo #3 <byte_off> [12] struct task_struct + 0:1".
std::string relo_context(const std::string& object, const std::string& section, uint32_t index, const struct btf* local,
                         const CoreRelo& relo);

// "[42] struct task_struct", "[7] <invalid type id>": a type as errors name it.
std::string type_text(const struct btf* b, uint32_t id);

}  // namespace btfgen
