// Resolving one CO-RE relocation record against a target BTF: candidates, matching, values,
// ambiguity and in-place narrowing of the cached candidate list (spec §9).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/input/bpf_object.h"
#include "relo/core_spec.h"

struct btf;

namespace btfgen {

struct ReloValue {
  uint64_t value = 0;
  bool poison = false;
};

// Outcome of resolve_relocation: the spec to mark (kind/root zero when nothing matched) and the
// values libbpf would patch in.
struct ReloOutcome {
  Spec target_spec;       // zeroed (root 0, kind 0) when no candidate matched or TYPE_ID_LOCAL
  bool matched = false;
  ReloValue local;
  ReloValue target;
};

// Where a record sits, for error messages.
struct ReloSite {
  const std::string* object = nullptr;
  const std::string* section = nullptr;
  uint32_t index = 0;  // within the section
};

// Resolves RELO of the object whose BTF is LOCAL against TARGET. CANDS is the cached candidate list
// for RELO.type_id (ignored for TYPE_ID_LOCAL) and is narrowed in place. Throws btfgen::Error.
ReloOutcome resolve_relocation(const struct btf* local, const CoreRelo& relo, const ReloSite& site,
                               const struct btf* target, std::vector<uint32_t>* cands);

// One-line description of a record's local side: "<byte_off> [12] struct task_struct + 0:1".
std::string describe_relo(const struct btf* local, const CoreRelo& relo);

}  // namespace btfgen
