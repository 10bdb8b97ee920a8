// Stage "pack": from a tree of minimized BTFs to what a program embeds, and back at run time.
//
// pack/pack.h    deterministic tarballs and C tables of a tree (btfgen pack, build --pack)
// runtime.h      the C runtime library: the lookup rules, packs and tables read at run time, a path
//                for libbpf's btf_custom_path (btfgen lookup uses the same rules)
#pragma once

#include "btfgen/pack/pack.h"
#include "btfgen/runtime.h"
