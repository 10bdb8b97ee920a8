// Describing every relocation record once per run: its program, its local root type and the field
// it reaches, for reports (the kernel-independent half of a report line).
#include <bpf/btf.h>

#include <map>
#include <tuple>

#include "btfgen/relo/relo_kind.h"
#include "btfgen/report/report.h"
#include "common/btf_util.h"
#include "relo/core_spec.h"

namespace btfgen {

namespace {

std::string name_or_anon(const char* name) { return name != nullptr && name[0] != '\0' ? name : "<anon>"; }

// "task_struct.loginuid", "task_struct[2].comm", "sock_common.skc_v6_daddr.in6_u",
// "pid_type::PIDTYPE_TGID", or the type's name for type kinds. Flavors are stripped from the root.
std::string field_text(const struct btf* local, const CoreRelo& relo, const char* access) {
  const struct btf_type* root = type_at(local, relo.type_id);
  const char* root_name = root != nullptr ? name_at(local, root->name_off) : nullptr;
  std::string text(essential_name(name_or_anon(root_name)));
  if (is_type_kind(relo.kind) || access == nullptr) return text;
  Spec spec;
  if (parse_local_spec(local, relo.type_id, relo.kind, access, spec) != 0 || spec.len == 0) return text;
  if (is_enumval_kind(relo.kind)) return text + "::" + name_or_anon(spec.acc[0].name);
  if (spec.acc[0].idx != 0) text += "[" + std::to_string(spec.acc[0].idx) + "]";
  for (int i = 1; i < spec.len; i++) {
    const Accessor& a = spec.acc[i];
    text += a.name != nullptr ? "." + std::string(a.name) : "[" + std::to_string(a.idx) + "]";
  }
  return text;
}

}  // namespace

RelocationCatalog::RelocationCatalog(const ObjectSet& objects) {
  std::map<std::tuple<uint32_t, std::string, std::string>, uint32_t> program_index;
  for (uint32_t o = 0; o < objects.objects().size(); o++) {
    const BpfObject& object = objects.objects()[o];
    const struct btf* local = object.btf();
    std::vector<ReportRelocation>& records = relocations_.emplace_back();
    records.reserve(object.relo_count());
    for (const CoreReloSection& sec : object.sections()) {
      for (uint32_t k = 0; k < sec.relos.size(); k++) {
        const CoreRelo& relo = sec.relos[k];
        std::string program = object.program_at(sec.name, relo.insn_off);
        const auto key = std::make_tuple(o, sec.name, program);
        auto it = program_index.find(key);
        if (it == program_index.end()) {
          it = program_index.emplace(key, static_cast<uint32_t>(programs_.size())).first;
          programs_.push_back({.object = o, .name = program, .section = sec.name});
        }
        const struct btf_type* root = type_at(local, relo.type_id);
        const char* root_name = root != nullptr ? name_at(local, root->name_off) : nullptr;
        const char* access = btf__name_by_offset(local, relo.access_str_off);
        records.push_back({.section = sec.name,
                           .index = k,
                           .program = it->second,
                           .kind = relo.kind,
                           .type = root_name != nullptr ? root_name : "",
                           .access = access != nullptr ? access : "",
                           .field = field_text(local, relo, access)});
      }
    }
  }
}

size_t RelocationCatalog::relocation_count() const {
  size_t n = 0;
  for (const auto& r : relocations_) n += r.size();
  return n;
}

}  // namespace btfgen
