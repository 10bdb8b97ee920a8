// Phase 1 of minimization, "record": which target types and members the resolved relocations
// touch (spec §10).
//
// Example: a byte-offset relocation `task->mm->pgd` resolved to target spec root task_struct with
// raw [0, <mm idx>] marks task_struct, its member `mm` and the member's type (the PTR, but not the
// pointee: follow_pointers is off for fields); a second relocation rooted at mm_struct marks
// mm_struct and `pgd`. Type relocations (exists/size/id) mark the root and follow pointers;
// TYPE_MATCHES marks the whole by-value graph of the root, members included.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "relo/core_spec.h"

struct btf;

namespace btfgen {

class Marker {
 public:
  explicit Marker(const struct btf* target);

  // Marks what TARGET_SPEC needs. Returns 0, or a negative errno with WHY set.
  int record(const Spec& target_spec, std::string& why);

  bool type_marked(uint32_t id) const { return id < types_.size() && types_[id] != 0; }
  bool member_marked(uint32_t id, uint32_t idx) const {
    return members_.count((uint64_t{id} << 32) | idx) != 0;
  }
  const struct btf* target() const { return target_; }

 private:
  int mark_type(uint32_t id, bool follow_pointers, int depth, std::string& why);
  int mark_match(uint32_t id, bool behind_ptr, std::string& why);
  int record_field(const Spec& spec, std::string& why);
  void mark_member(uint32_t id, uint32_t idx) { members_.insert((uint64_t{id} << 32) | idx); }
  int unsupported(const struct btf_type* t, uint32_t shown_id, std::string& why);

  const struct btf* target_;
  std::vector<uint8_t> types_;
  std::unordered_set<uint64_t> members_;
  // TYPE_MATCHES walk state per (id, behind_ptr): 0 new, 1 on the current path, 2 done.
  std::vector<uint8_t> match_state_;
};

}  // namespace btfgen
