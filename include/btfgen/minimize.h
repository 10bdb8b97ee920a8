// Stage "minimize": `bpftool gen min_core_btf` as a library.
//
//   objects (ObjectSet, loaded once) × target BTF ──every record resolved by the engine (relo)──▶
//   marks (types and members the decisions touch) ──emit──▶ minimized BTF bytes
//
// object_set.h   the objects of a run, parsed once, with the names and kinds they ask for
// minimize.h     minimize() and the per-relocation decisions
#pragma once

#include "btfgen/minimize/minimize.h"
#include "btfgen/minimize/object_set.h"
