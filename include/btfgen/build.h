// `btfgen build`: a whole btfhub-archive (one architecture) into a tree of minimized BTFs.
//
//   archive/<any>/<arch>/<kernel>.btf.tar.xz  ──walk──▶  plan (state file: what is already done)
//        ──pool of workers: decompress in memory → parse → minimize → compare → atomic write──▶
//   output/<any>/<arch>/<kernel>.btf  +  output/.btfgen-state-<arch>.tsv
//
// The core does not log: progress and per-kernel results go to the caller's callbacks.
#pragma once

#include "btfgen/build/archive_walker.h"
#include "btfgen/build/build_guards.h"
#include "btfgen/build/build_manifest.h"
#include "btfgen/build/build_runner.h"
#include "btfgen/build/build_state.h"
#include "btfgen/build/output_tree.h"
