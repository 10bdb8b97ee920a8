// The report as JSON ("btfgen-report", version 1; docs/report.md), streamed into one string:
// a 3,000-kernel report is mostly numbers, and nlohmann is only asked to escape the strings.
#include <nlohmann/json.hpp>

#include "btfgen/relo/relo_kind.h"
#include "btfgen/report/report.h"

namespace btfgen {

namespace {

class Writer {
 public:
  std::string out;

  void str(const std::string& s) {
    out += nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  void key(const char* k) {
    out += '"';
    out += k;
    out += "\":";
  }
  void field(const char* k, const std::string& s) {
    key(k);
    str(s);
  }
  void field(const char* k, uint64_t v) {
    key(k);
    out += std::to_string(v);
  }
  void field(const char* k, bool v) {
    key(k);
    out += v ? "true" : "false";
  }
  void null_field(const char* k) {
    key(k);
    out += "null";
  }
  void comma() { out += ','; }
};

void write_program(Writer& w, const ReportProgram& p) {
  w.field("object", uint64_t{p.object});
  w.comma();
  w.field("name", p.name);
  w.comma();
  w.field("section", p.section);
}

// "result", "value", "target_type" of one decision.
void write_decision(Writer& w, const KernelDecision& d) {
  w.field("result", std::string(result_name(d.result)));
  w.comma();
  if (d.result == ReloResult::Poisoned)
    w.null_field("value");
  else
    w.field("value", d.value);
  w.comma();
  if (d.result == ReloResult::Resolved)
    w.field("target_type", d.target_type);
  else
    w.null_field("target_type");
}

// What a relocation is: object, section, index, program, kind, type, access, field.
void write_relocation(Writer& w, const RelocationCatalog& catalog, uint32_t object, uint32_t record) {
  const ReportRelocation& r = catalog.relocations()[object][record];
  w.field("object", uint64_t{object});
  w.comma();
  w.field("section", r.section);
  w.comma();
  w.field("index", uint64_t{r.index});
  w.comma();
  w.field("program", catalog.programs()[r.program].name);
  w.comma();
  w.field("kind", std::string(relo_kind_id(r.kind)));
  w.comma();
  w.field("type", r.type);
  w.comma();
  w.field("access", r.access);
  w.comma();
  w.field("field", r.field);
}

void write_kernel(Writer& w, const RelocationCatalog& catalog, const KernelReport& k) {
  w.out += '{';
  w.field("path", k.path);
  w.comma();
  w.field("status", std::string(k.failed ? "failed" : "ok"));
  w.comma();
  if (k.failed)
    w.field("error", k.error);
  else
    w.null_field("error");
  w.comma();
  w.field("hazard", !k.hazards.empty());
  w.comma();
  w.field("preserved", k.preserved);
  w.comma();
  w.key("programs");
  w.out += '[';
  for (uint32_t p = 0; p < k.programs.size(); p++) {
    if (p > 0) w.comma();
    w.out += '{';
    write_program(w, catalog.programs()[p]);
    w.comma();
    w.field("resolved", uint64_t{k.programs[p].resolved});
    w.comma();
    w.field("missing", uint64_t{k.programs[p].missing});
    w.comma();
    w.field("poisoned", uint64_t{k.programs[p].poisoned});
    w.out += '}';
  }
  w.out += "],";
  w.key("relocations");
  w.out += '[';
  for (size_t i = 0; i < k.relocations.size(); i++) {
    if (i > 0) w.comma();
    const ReportedRelocation& r = k.relocations[i];
    w.out += '{';
    write_relocation(w, catalog, r.object, r.record);
    w.comma();
    write_decision(w, r.decision);
    w.out += '}';
  }
  w.out += "],";
  w.key("hazards");
  w.out += '[';
  for (size_t i = 0; i < k.hazards.size(); i++) {
    if (i > 0) w.comma();
    const Hazard& h = k.hazards[i];
    w.out += '{';
    if (!h.error.empty()) {
      w.field("error", h.error);
    } else {
      write_relocation(w, catalog, h.object, h.record);
      w.comma();
      w.key("full");
      w.out += '{';
      write_decision(w, h.full);
      w.out += "},";
      w.key("minimized");
      w.out += '{';
      write_decision(w, h.minimized);
      w.out += '}';
    }
    w.out += '}';
  }
  w.out += "]}";
}

}  // namespace

std::string report_json(const Report& report) {
  static const RelocationCatalog kNoObjects{ObjectSet({})};
  const RelocationCatalog& catalog = report.catalog != nullptr ? *report.catalog : kNoObjects;
  Writer w;
  w.out += '{';
  w.field("format", std::string("btfgen-report"));
  w.comma();
  w.field("version", uint64_t{1});
  w.comma();
  w.field("arch", report.arch);
  w.comma();
  w.key("objects");
  w.out += '[';
  for (size_t i = 0; i < report.objects.size(); i++) {
    if (i > 0) w.comma();
    w.str(report.objects[i]);
  }
  w.out += "],";
  w.key("relocation_count");
  w.out += std::to_string(catalog.relocation_count());
  w.comma();
  w.key("kernels");
  w.out += "[\n";
  for (size_t i = 0; i < report.kernels.size(); i++) {
    if (i > 0) w.out += ",\n";
    write_kernel(w, catalog, report.kernels[i]);
  }
  w.out += "\n],";
  w.key("summary");
  w.out += "[\n";
  const std::vector<ProgramSummary> summary = report.summary();
  for (uint32_t p = 0; p < summary.size(); p++) {
    if (p > 0) w.out += ",\n";
    w.out += '{';
    write_program(w, catalog.programs()[p]);
    w.comma();
    w.field("clean", uint64_t{summary[p].clean});
    w.comma();
    w.field("missing", uint64_t{summary[p].missing});
    w.comma();
    w.field("poisoned", uint64_t{summary[p].poisoned});
    w.comma();
    w.field("failed", uint64_t{summary[p].failed});
    w.out += '}';
  }
  w.out += "\n]}\n";
  return w.out;
}

}  // namespace btfgen
