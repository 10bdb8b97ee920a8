// Stage "build": a whole btfhub-archive (one architecture) into a tree of minimized BTFs.
//
//   archive/<any>/<arch>/<kernel>.btf.tar.xz ──walk_archive──▶ kernels (complete, or an error)
//     ──run_build: the state answers what did not change; a pool of workers reads each other
//       kernel (input), minimizes it (minimize) and writes only changed bytes (OutputTree)──▶
//   output/<any>/<arch>/<kernel>.btf, the state, and a KernelRecord per kernel (write_manifest)
//
// archive_walker.h     finding the kernels of an arch family, safely (links, loops, special files)
// build_guards.h       outputs kept away from inputs, checked before any work
// build_runner.h       the run: plan, pool, removals, Ctrl-C
// build_state.h        the incremental state file
// kernel_record.h      one kernel's record: the report and the state line
// object_fingerprint.h the objects' identity in the state
// output_tree.h        the locked output directory, never written through links
// build_manifest.h     the --json manifest
//
// The core does not log: progress and per-kernel results go to the caller's callbacks.
#pragma once

#include "btfgen/build/archive_walker.h"
#include "btfgen/build/build_guards.h"
#include "btfgen/build/build_manifest.h"
#include "btfgen/build/build_runner.h"
#include "btfgen/build/build_state.h"
#include "btfgen/build/kernel_record.h"
#include "btfgen/build/object_fingerprint.h"
#include "btfgen/build/output_tree.h"
