// Candidate search (spec §6) over a target BTF, through a per-kernel index of essential names.
//
// bpftool scans every target type for every new local type id; with ~100k kernel types and
// hundreds of local types that scan dominates. The index is built in one pass per kernel and holds
// only names some object asks for, so each lookup is a hash probe plus a short kind filter.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.h"

struct btf;
struct btf_type;

namespace btfgen {

class CandidateIndex {
 public:
  // WANTED: essential names to index; views must outlive the index. KINDS: bit k set when some
  // local root has BTF kind k (ENUM and ENUM64 count as each other); other kinds are not indexed.
  CandidateIndex(const struct btf* target, const std::unordered_set<std::string_view>& wanted, uint32_t kinds = ~0u);

  // Target ids of the same kind (ENUM and ENUM64 mixed) whose essential name equals that of local
  // type LOCAL_ID, ascending; a Failure (EINVAL) for a bad local id or name.
  Result<std::vector<uint32_t>> find(const struct btf* local, uint32_t local_id) const;

 private:
  void scan(const struct btf_type* local_type, std::string_view essential, std::vector<uint32_t>& out) const;

  const struct btf* target_;
  const std::unordered_set<std::string_view>* wanted_;
  uint32_t kinds_;
  std::unordered_map<std::string_view, std::vector<uint32_t>> ids_by_name_;
};

}  // namespace btfgen
