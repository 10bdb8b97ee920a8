// `min_core_btf` as a library: for every object (command-line order), every CO-RE record (file
// order): candidates from a per-object cache (narrowed in place), resolution, marking; then
// emission. The candidate cache is per object: narrowing never crosses objects (spec §5).
//
// This is the engine's edge: a Failure from any step becomes one btfgen::Error here, prefixed
// once with where the record sits (relo_context).
#include "btfgen/minimize/minimize.h"

#include <bpf/btf.h>

#include <cerrno>
#include <unordered_map>

#include "btfgen/common/error.h"
#include "common/btf_util.h"
#include "minimize/emitter.h"
#include "minimize/marker.h"
#include "relo/relo.h"

namespace btfgen {

namespace {

// Visits every record of OBJECT in file order with its outcome; VISIT returns a Status too.
// ALL_MATCHES, when given, is filled with every matching candidate's spec before each visit.
template <typename Visit>
void resolve_object(const struct btf* target, const CandidateIndex& index, const BpfObject& object, Visit&& visit,
                    std::vector<Spec>* all_matches = nullptr) {
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
      const Result<ReloOutcome> outcome = resolve_relocation(local, relo, target, cands, all_matches);
      if (!outcome) fail(outcome.failure());
      if (const Status s = visit(sec, k, relo, *outcome); !s) fail(s.failure());
    }
  }
}

std::string root_name(const struct btf* target, const ReloOutcome& out) {
  const struct btf_type* t = type_at(target, out.target_spec.root_type_id);
  const char* n = t != nullptr ? name_at(target, t->name_off) : nullptr;
  return n != nullptr ? n : "";
}

KernelDecision decision_of(const struct btf* target, const CoreRelo& relo, const ReloOutcome& out) {
  if (relo.kind == kTypeIdLocal) return {.result = ReloResult::Resolved, .value = out.target.value};
  if (out.matched)
    return {.result = ReloResult::Resolved, .value = out.target.value, .target_type = root_name(target, out)};
  if (out.target.poison) return {.result = ReloResult::Poisoned};
  return {.result = ReloResult::Missing, .value = out.target.value};
}

// Every relocation's decision on TARGET, [object][record]. Throws where libbpf fails the object.
std::vector<std::vector<KernelDecision>> decide_all(const struct btf* target, const ObjectSet& objects) {
  const CandidateIndex index(target, objects.wanted_names(), objects.wanted_kinds());
  std::vector<std::vector<KernelDecision>> all;
  all.reserve(objects.objects().size());
  for (const BpfObject& object : objects.objects()) {
    std::vector<KernelDecision>& decisions = all.emplace_back();
    decisions.reserve(object.relo_count());
    resolve_object(target, index, object,
                   [&](const CoreReloSection&, uint32_t, const CoreRelo& relo, const ReloOutcome& out) {
                     decisions.push_back(decision_of(target, relo, out));
                     return Status{};
                   });
  }
  return all;
}

std::vector<uint8_t> emit_or_throw(const Marker& marker) {
  Result<std::vector<uint8_t>> bytes = emit_minimized_btf(marker);
  if (!bytes) throw Error(bytes.failure().code, bytes.failure().message);
  return std::move(*bytes);
}

uint32_t record_kind(const BpfObject& object, uint32_t record) {
  for (const CoreReloSection& sec : object.sections()) {
    if (record < sec.relos.size()) return sec.relos[record].kind;
    record -= static_cast<uint32_t>(sec.relos.size());
  }
  return 0;
}

// What libbpf would decide differently on MINIMIZED (emitted BTF bytes) than FULL says.
std::vector<Hazard> find_hazards(const std::vector<uint8_t>& minimized, const ObjectSet& objects,
                                 const std::vector<std::vector<KernelDecision>>& full) {
  std::vector<Hazard> hazards;
  const BtfPtr btf(btf__new(minimized.data(), static_cast<uint32_t>(minimized.size())));
  if (!btf) {
    hazards.push_back({.error = "the minimized BTF does not parse: " + error_text(errno)});
    return hazards;
  }
  std::vector<std::vector<KernelDecision>> on_min;
  try {
    on_min = decide_all(btf.get(), objects);
  } catch (const Error& e) {
    hazards.push_back({.error = e.what()});
    return hazards;
  }
  for (uint32_t o = 0; o < full.size(); o++) {
    const BpfObject& object = objects.objects()[o];
    for (uint32_t r = 0; r < full[o].size(); r++) {
      if (same_decision(record_kind(object, r), full[o][r], on_min[o][r])) continue;
      hazards.push_back({.object = o, .record = r, .full = full[o][r], .minimized = on_min[o][r]});
    }
  }
  return hazards;
}

// The decision-preserving output: every candidate that matched on the full BTF is marked, so each
// one still matches on the output, the narrowed lists stay the same, and so does every decision.
std::vector<uint8_t> emit_preserving(const struct btf* target, const CandidateIndex& index, const ObjectSet& objects) {
  Marker marker(target);
  std::vector<Spec> matches;
  for (const BpfObject& object : objects.objects()) {
    resolve_object(
        target, index, object,
        [&](const CoreReloSection&, uint32_t, const CoreRelo&, const ReloOutcome&) {
          for (const Spec& spec : matches) {
            if (const Status s = marker.record(spec); !s) return s;
          }
          return Status{};
        },
        &matches);
  }
  return emit_or_throw(marker);
}

}  // namespace

const char* result_name(ReloResult r) {
  switch (r) {
    case ReloResult::Resolved:
      return "resolved";
    case ReloResult::Missing:
      return "missing";
    case ReloResult::Poisoned:
      return "poisoned";
  }
  return "unknown";
}

bool same_decision(uint32_t kind, const KernelDecision& a, const KernelDecision& b) {
  if (a.result != b.result) return false;
  if (a.result == ReloResult::Poisoned) return true;
  if (kind == kTypeIdTarget && a.result == ReloResult::Resolved) return a.target_type == b.target_type;
  return a.value == b.value;
}

std::vector<uint8_t> minimize(const struct btf* target, const ObjectSet& objects) {
  return minimize_kernel(target, objects, {}).bytes;
}

MinimizedKernel minimize_kernel(const struct btf* target, const ObjectSet& objects, const MinimizeOptions& options) {
  const bool want_hazards = options.hazards || options.preserve_decisions;
  const bool want_decisions = options.decisions || want_hazards;
  const CandidateIndex index(target, objects.wanted_names(), objects.wanted_kinds());
  Marker marker(target);
  MinimizedKernel result;
  if (want_decisions) result.decisions.reserve(objects.objects().size());
  for (const BpfObject& object : objects.objects()) {
    std::vector<KernelDecision>* decisions = nullptr;
    if (want_decisions) {
      decisions = &result.decisions.emplace_back();
      decisions->reserve(object.relo_count());
    }
    resolve_object(target, index, object,
                   [&](const CoreReloSection&, uint32_t, const CoreRelo& relo, const ReloOutcome& out) {
                     if (decisions != nullptr) decisions->push_back(decision_of(target, relo, out));
                     return out.matched ? marker.record(out.target_spec) : Status{};
                   });
  }
  if (const auto& pending = objects.pending_error()) throw pending.value();
  result.bytes = emit_or_throw(marker);
  if (want_hazards) result.hazards = find_hazards(result.bytes, objects, result.decisions);
  if (options.preserve_decisions && !result.hazards.empty()) {
    result.bytes = emit_preserving(target, index, objects);
    result.preserved = true;
    const std::vector<Hazard> left = find_hazards(result.bytes, objects, result.decisions);
    if (!left.empty()) {
      const Hazard& h = left.front();
      throw Error(EPROTO, h.error.empty() ? "--preserve-decisions: the output would still change the decision of " +
                                                objects.objects()[h.object].path() + " record #" +
                                                std::to_string(h.record) + " (please report this)"
                                          : "--preserve-decisions: " + h.error);
    }
  }
  if (!options.decisions) result.decisions.clear();
  return result;
}

std::vector<RelocationDecision> decide_relocations(const struct btf* target, const BpfObject& object) {
  std::unordered_set<std::string_view> wanted;  // empty: every lookup scans, fine for tests
  const CandidateIndex index(target, wanted);
  std::vector<RelocationDecision> decisions;
  resolve_object(target, index, object,
                 [&](const CoreReloSection& sec, uint32_t k, const CoreRelo& relo, const ReloOutcome& out) {
                   decisions.push_back({.section = sec.name,
                                        .index = k,
                                        .kind = relo.kind,
                                        .matched = out.matched,
                                        .poison = out.target.poison,
                                        .value = out.target.value,
                                        .target_name = out.matched ? root_name(target, out) : ""});
                   return Status{};
                 });
  return decisions;
}

}  // namespace btfgen
