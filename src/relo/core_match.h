// Matching a local spec against one target candidate, and the compatibility rules it rests on
// (core_match.cpp, spec §8). Return convention as in libbpf: 1 match, 0 no match, a negative errno
// for an error, which is fatal to the relocation (never a skip).
#pragma once

#include <cstdint>

#include "relo/core_spec.h"

struct btf;

namespace btfgen {

// Matches LOCAL against candidate CAND_ID of TARGET, filling CAND (root CAND_ID unstripped, kind
// copied; for field and enumval kinds also the raw indices, accessors and bit offset):
//   - TYPE_MATCHES: types_match; other type kinds: types_compatible; the spec stays empty.
//   - enumval kinds: the first enumerator of the stripped candidate (an enum or enum64) whose
//     essential name equals the local enumerator's.
//   - field kinds: each local accessor in turn; a named one is found depth-first through anonymous
//     members (every index walked stays in CAND's raw list, which the marker follows) and its type
//     must be fields_compatible; an index one must fit the target array (or the array is flexible).
//     The root itself is not checked: access "0" matches any candidate whose size resolves.
int match_candidate(const Spec& local, const struct btf* target, uint32_t cand_id, Spec& cand);

// Type-based kinds (exists, size, target id). Rules, in order:
//   1. the unstripped roots must be kind-compatible (same kind, or ENUM with ENUM64);
//   2. after stripping modifiers and typedefs on both sides, kinds must still be compatible;
//   3. STRUCT, UNION, ENUM, ENUM64, FWD and void match at once: names are not compared below the root;
//   4. INT matches when neither has a bit offset (size and signedness are ignored);
//   5. PTR and ARRAY continue with pointee/element types (array dimensions are ignored);
//   6. FUNC_PROTO needs equal parameter counts, each parameter compatible (recursion budget LEVEL),
//      then continues with the return types;
//   7. anything else (FLOAT, VAR, FUNC, DATASEC) does not match.
// 32 PTR/ARRAY/FUNC_PROTO steps in one chain, or LEVEL exhausted, is an error (EINVAL); modifiers
// and typedefs are stripped without limit.
int types_compatible(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                     int level = 32);

// The last step of matching a field (spec §8.4b). After stripping both sides:
//   1. two composites match, STRUCT and UNION interchangeably;
//   2. otherwise kinds must be compatible (ENUM with ENUM64);
//   3. PTR and FLOAT match (pointees are not examined);
//   4. FWD, ENUM, ENUM64 match when either is anonymous, else when essential names are equal;
//   5. INT matches when neither has a bit offset;
//   6. ARRAY continues with the element types;
//   7. anything else does not match.
int fields_compatible(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id);

// TYPE_MATCHES (spec §8.5): a stricter, structural comparison. At every level, after stripping:
//   1. names must match: an anonymous target only matches an anonymous local, else essential names
//      are equal (so `long` does not match the kernel's `long int`; typedef names are stripped away);
//   2. void matches void;
//   3. FWD: behind a pointer it matches a FWD of the same flavor (struct/union kflag) or the
//      STRUCT/UNION it declares; by value only a FWD of the same flavor;
//   4. ENUM/ENUM64: any enum kind of the same size whose enumerators include every local name;
//   5. STRUCT/UNION: behind a pointer the same kind, or a FWD of that flavor; by value the same kind
//      with every local member matched, by name, by some target member whose type matches;
//   6. INT: same size and same signedness;
//   7. PTR: the pointees, now behind a pointer; ARRAY: same element count, then the elements;
//   8. FUNC_PROTO: same parameter count, every parameter matches, then the return types;
//   9. anything else does not match.
// LEVEL bounds the recursion through members and parameters; 32 PTR/ARRAY/FUNC_PROTO steps in one
// chain is EINVAL.
int types_match(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                bool behind_ptr = false, int level = 32);

}  // namespace btfgen
