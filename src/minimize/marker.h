// Phase 1 of minimization, "record": which target types and members the resolved relocations
// touch (marker.cpp, spec §10).
//
// Example: a byte-offset relocation `task->mm->pgd` resolved to target spec root task_struct with
// raw [0, <mm idx>] marks task_struct, its member `mm` and the member's type (the PTR, but not the
// pointee: follow_pointers is off for fields); a second relocation rooted at mm_struct marks
// mm_struct and `pgd`. Type relocations (exists/size/id) mark the root and follow pointers;
// TYPE_MATCHES marks the whole by-value graph of the root, members included.
#pragma once

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "relo/core_spec.h"

struct btf;
struct btf_type;

namespace btfgen {

class Marker {
 public:
  explicit Marker(const struct btf* target);

  // Marks what TARGET_SPEC, a matched candidate's spec, needs (by its kind):
  //   - field kinds: the root, then along the raw indices each composite's member and the member's
  //     type (pointers not followed), arrays passed through to their elements;
  //   - TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE: the root and everything it refers to, through pointers;
  //   - TYPE_MATCHES: the root's whole by-value graph with every member, pointees left empty;
  //   - enumval kinds: the enum.
  // A kind bpftool cannot emit (FWD reached by type kinds, TYPE_TAG, ...) or a dangling id fails.
  Status record(const Spec& target_spec);

  bool type_marked(uint32_t id) const { return id < types_.size() && types_[id] != 0; }
  bool member_marked(uint32_t id, uint32_t idx) const { return members_.count((uint64_t{id} << 32) | idx) != 0; }
  const struct btf* target() const { return target_; }

 private:
  Status mark_type(uint32_t id, bool follow_pointers, int depth);
  Status mark_match(uint32_t id, bool behind_ptr);
  Status record_field(const Spec& spec);
  void mark_member(uint32_t id, uint32_t idx) { members_.insert((uint64_t{id} << 32) | idx); }

  const struct btf* target_;
  std::vector<uint8_t> types_;
  std::unordered_set<uint64_t> members_;
  // TYPE_MATCHES walk state per (id, behind_ptr): 0 new, 1 on the current path, 2 done.
  std::vector<uint8_t> match_state_;
};

}  // namespace btfgen
