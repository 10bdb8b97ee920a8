// The CO-RE relocation engine: what it offers the stages after it. Written on libbpf's public BTF
// API, after the normative spec (../shared/docs/core-semantics.md, cited as §n).
//
//   relocation record ──CandidateIndex::find──▶ candidates (same kind, same essential name)
//       ──parse_local_spec──▶ local spec ──match_candidate (per candidate)──▶ candidate specs
//       ──resolve_relocation──▶ the decision: values, ambiguity, narrowing, the spec to mark
//
// relo_kind.h   the 13 kinds, their names and families (public: include/btfgen/relo/)
// core_spec.h   access strings parsed against the object's BTF
// candidate_index.h  candidate search through a per-kernel index of essential names
// core_match.h  matching a spec against a candidate; the compatibility rules
// core_relo.h   values, multi-candidate resolution, narrowing; the one error prefix
//
// Every step that can fail returns a Result (common/result.h); none throws.
#pragma once

#include "btfgen/relo/relo_kind.h"
#include "relo/candidate_index.h"
#include "relo/core_match.h"
#include "relo/core_relo.h"
#include "relo/core_spec.h"
