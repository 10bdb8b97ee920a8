// `min_core_btf` as a library: for every object (command-line order), every CO-RE record (file
// order): candidates from a per-object cache (narrowed in place), resolution, marking; then
// emission. The candidate cache is per object: narrowing never crosses objects (spec §5).
#include "btfgen/minimize/minimize.h"

#include <cerrno>
#include <unordered_map>

#include "relo/btf_util.h"
#include "btfgen/common/error.h"
#include "relo/candidate_index.h"
#include "relo/core_relo.h"
#include "minimize/emitter.h"
#include "minimize/marker.h"

namespace btfgen {

namespace {

// Visits every record of OBJECT in file order with its resolved outcome.
template <typename Visit>
void resolve_object(const struct btf* target, const CandidateIndex& index, const BpfObject& object, Visit&& visit) {
  const struct btf* local = object.btf();
  std::unordered_map<uint32_t, std::vector<uint32_t>> cache;
  for (const CoreReloSection& sec : object.sections()) {
    for (size_t k = 0; k < sec.relos.size(); k++) {
      const CoreRelo& relo = sec.relos[k];
      const ReloSite site{&object.path(), &sec.name, static_cast<uint32_t>(k)};
      std::vector<uint32_t>* cands = nullptr;
      if (relo.kind != kTypeIdLocal) {
        auto it = cache.find(relo.type_id);
        if (it == cache.end()) {
          std::vector<uint32_t> found;
          if (index.find(local, relo.type_id, found) != 0)
            throw Error(EINVAL, object.path() + ": prog '" + sec.name + "' relo #" + std::to_string(k) + " " +
                                    describe_relo(local, relo) + ": invalid local type id or type name");
          it = cache.emplace(relo.type_id, std::move(found)).first;
        }
        cands = &it->second;
      }
      visit(site, relo, resolve_relocation(local, relo, site, target, cands));
    }
  }
}

}  // namespace

ObjectSet ObjectSet::load(const std::vector<std::string>& paths) {
  std::vector<BpfObject> objects;
  objects.reserve(paths.size());
  for (const std::string& p : paths) objects.push_back(BpfObject::load(p));
  return ObjectSet(std::move(objects));
}

ObjectSet ObjectSet::load_until_failure(const std::vector<std::string>& paths) {
  std::vector<BpfObject> objects;
  std::optional<Error> failure;
  for (const std::string& p : paths) {
    try {
      objects.push_back(BpfObject::load(p));
    } catch (const Error& e) {
      failure = e;
      break;
    }
  }
  ObjectSet set(std::move(objects));
  set.pending_error_ = std::move(failure);
  return set;
}

ObjectSet::ObjectSet(std::vector<BpfObject> objects) : objects_(std::move(objects)) {
  for (const BpfObject& obj : objects_) {
    for (const CoreReloSection& sec : obj.sections()) {
      for (const CoreRelo& relo : sec.relos) {
        const struct btf_type* t = type_at(obj.btf(), relo.type_id);
        if (t == nullptr) continue;
        const char* name = name_at(obj.btf(), t->name_off);
        if (str_empty(name)) continue;
        wanted_names_.insert(essential_name(name));
        wanted_kinds_ |= 1u << btf_kind(t);
      }
    }
  }
}

std::vector<uint8_t> minimize(const struct btf* target, const ObjectSet& objects) {
  const CandidateIndex index(target, objects.wanted_names(), objects.wanted_kinds());
  Marker marker(target);
  for (const BpfObject& object : objects.objects()) {
    resolve_object(target, index, object, [&](const ReloSite& site, const CoreRelo& relo, const ReloOutcome& out) {
      std::string why;
      const int err = marker.record(out.target_spec, why);
      if (err != 0)
        throw Error(-err, *site.object + ": prog '" + *site.section + "' relo #" + std::to_string(site.index) + " " +
                              describe_relo(object.btf(), relo) + ": " + why);
    });
  }
  if (objects.pending_error()) throw *objects.pending_error();
  return emit_minimized_btf(marker);
}

std::vector<RelocationDecision> decide_relocations(const struct btf* target, const BpfObject& object) {
  std::unordered_set<std::string_view> wanted;  // empty: every lookup scans, fine for tests
  const CandidateIndex index(target, wanted);
  std::vector<RelocationDecision> decisions;
  resolve_object(target, index, object, [&](const ReloSite& site, const CoreRelo& relo, const ReloOutcome& out) {
    RelocationDecision d;
    d.section = *site.section;
    d.index = site.index;
    d.kind = relo.kind;
    d.matched = out.matched;
    d.poison = out.target.poison;
    d.value = out.target.value;
    if (out.matched) {
      const struct btf_type* t = type_at(target, out.target_spec.root_type_id);
      const char* n = t != nullptr ? name_at(target, t->name_off) : nullptr;
      d.target_name = n != nullptr ? n : "";
    }
    decisions.push_back(std::move(d));
  });
  return decisions;
}

}  // namespace btfgen
