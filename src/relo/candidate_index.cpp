#include "relo/candidate_index.h"

#include <cerrno>

#include "common/btf_util.h"

namespace btfgen {

CandidateIndex::CandidateIndex(const struct btf* target, const std::unordered_set<std::string_view>& wanted,
                               uint32_t kinds)
    : target_(target), wanted_(&wanted), kinds_(kinds) {
  if (kinds_ & ((1u << BTF_KIND_ENUM) | (1u << BTF_KIND_ENUM64)))
    kinds_ |= (1u << BTF_KIND_ENUM) | (1u << BTF_KIND_ENUM64);
  const uint32_t n = btf__type_cnt(target);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(target, id);
    // Most kernel types are FUNCs and anonymous pointers/prototypes; no local root can match them.
    if (t->name_off == 0 || (kinds_ & (1u << btf_kind(t))) == 0) continue;
    const char* name = name_at(target, t->name_off);
    if (str_empty(name)) continue;
    const std::string_view essential = essential_name(name);
    auto it = wanted.find(essential);
    if (it == wanted.end()) continue;
    ids_by_name_[*it].push_back(id);
  }
}

void CandidateIndex::scan(const struct btf_type* local_type, std::string_view essential,
                          std::vector<uint32_t>& out) const {
  const uint32_t n = btf__type_cnt(target_);
  for (uint32_t id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(target_, id);
    if (!kinds_compatible(t, local_type)) continue;
    const char* name = name_at(target_, t->name_off);
    if (str_empty(name) || essential_name(name) != essential) continue;
    out.push_back(id);
  }
}

Result<std::vector<uint32_t>> CandidateIndex::find(const struct btf* local, uint32_t local_id) const {
  std::vector<uint32_t> out;
  const struct btf_type* lt = type_at(local, local_id);
  if (lt == nullptr) return Failure{EINVAL, "invalid local type id"};
  const char* lname = name_at(local, lt->name_off);
  if (lname == nullptr) return Failure{EINVAL, "invalid local type name"};
  const std::string_view essential = essential_name(lname);
  if (essential.empty()) return out;  // anonymous: no target name has essential length 0
  if (wanted_->find(essential) == wanted_->end() || (kinds_ & (1u << btf_kind(lt))) == 0) {
    scan(lt, essential, out);  // not indexed (objects outside the index's set): plain scan
    return out;
  }
  auto it = ids_by_name_.find(essential);
  if (it == ids_by_name_.end()) return out;
  for (uint32_t id : it->second)
    if (kinds_compatible(btf__type_by_id(target_, id), lt)) out.push_back(id);
  return out;
}

}  // namespace btfgen
