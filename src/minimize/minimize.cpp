// `min_core_btf` as a library: for every object (command-line order), every CO-RE record (file
// order): candidates from a per-object cache (narrowed in place), resolution, marking; then
// emission. The candidate cache is per object: narrowing never crosses objects (spec §5).
//
// This is the engine's edge: a Failure from any step becomes one btfgen::Error here, prefixed
// once with where the record sits (relo_context).
#include "btfgen/minimize/minimize.h"

#include <unordered_map>

#include "btfgen/common/error.h"
#include "common/btf_util.h"
#include "minimize/emitter.h"
#include "minimize/marker.h"
#include "relo/relo.h"

namespace btfgen {

namespace {

// Visits every record of OBJECT in file order with its outcome; VISIT returns a Status too.
template <typename Visit>
void resolve_object(const struct btf* target, const CandidateIndex& index, const BpfObject& object, Visit&& visit) {
  const struct btf* local = object.btf();
  std::unordered_map<uint32_t, std::vector<uint32_t>> cache;
  for (const CoreReloSection& sec : object.sections()) {
    for (uint32_t k = 0; k < sec.relos.size(); k++) {
      const CoreRelo& relo = sec.relos[k];
      auto fail = [&](const Failure& f) {
        throw Error(f.code, relo_context(object.path(), sec.name, k, local, relo) + ": " + f.message);
      };
      std::vector<uint32_t>* cands = nullptr;
      if (relo.kind != kTypeIdLocal) {
        auto it = cache.find(relo.type_id);
        if (it == cache.end()) {
          Result<std::vector<uint32_t>> found = index.find(local, relo.type_id);
          if (!found) fail(found.failure());
          it = cache.emplace(relo.type_id, std::move(*found)).first;
        }
        cands = &it->second;
      }
      const Result<ReloOutcome> outcome = resolve_relocation(local, relo, target, cands);
      if (!outcome) fail(outcome.failure());
      if (const Status s = visit(sec, k, relo, *outcome); !s) fail(s.failure());
    }
  }
}

}  // namespace

std::vector<uint8_t> minimize(const struct btf* target, const ObjectSet& objects) {
  const CandidateIndex index(target, objects.wanted_names(), objects.wanted_kinds());
  Marker marker(target);
  for (const BpfObject& object : objects.objects()) {
    resolve_object(target, index, object,
                   [&](const CoreReloSection&, uint32_t, const CoreRelo&, const ReloOutcome& out) {
                     return out.matched ? marker.record(out.target_spec) : Status{};
                   });
  }
  if (const auto& pending = objects.pending_error()) throw pending.value();
  Result<std::vector<uint8_t>> bytes = emit_minimized_btf(marker);
  if (!bytes) throw Error(bytes.failure().code, bytes.failure().message);
  return std::move(*bytes);
}

std::vector<RelocationDecision> decide_relocations(const struct btf* target, const BpfObject& object) {
  std::unordered_set<std::string_view> wanted;  // empty: every lookup scans, fine for tests
  const CandidateIndex index(target, wanted);
  std::vector<RelocationDecision> decisions;
  resolve_object(target, index, object,
                 [&](const CoreReloSection& sec, uint32_t k, const CoreRelo& relo, const ReloOutcome& out) {
                   RelocationDecision d{.section = sec.name,
                                        .index = k,
                                        .kind = relo.kind,
                                        .matched = out.matched,
                                        .poison = out.target.poison,
                                        .value = out.target.value};
                   if (out.matched) {
                     const struct btf_type* t = type_at(target, out.target_spec.root_type_id);
                     const char* n = t != nullptr ? name_at(target, t->name_off) : nullptr;
                     d.target_name = n != nullptr ? n : "";
                   }
                   decisions.push_back(std::move(d));
                   return Status{};
                 });
  return decisions;
}

}  // namespace btfgen
