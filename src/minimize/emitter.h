// Phase 2 of minimization, "emit": serialize the marked types as a new BTF (emitter.cpp, spec §11).
//
// Marked types are emitted in ascending target id order and renumbered 1..N. Composites keep only
// their marked members (kflag recomputed from what is emitted); every other kind is copied as is.
// Strings are interned in emission order with exact-match dedup. A reference to an unmarked type
// becomes 0 (void). Example: marking task_struct{pid} and its `int` gives two records,
// [1] STRUCT task_struct (size kept, vlen 1, member pid -> [2]) and [2] INT int.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"

namespace btfgen {

class Marker;

// The minimized BTF bytes (header, types, strings; host byte order), or a Failure where bpftool
// fails ("error generating BTF": a member libbpf's btf__add_field rejects, a dangling reference).
Result<std::vector<uint8_t>> emit_minimized_btf(const Marker& marks);

}  // namespace btfgen
