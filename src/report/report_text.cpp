// The report for a terminal: programs × kernel counts, then the fields that fail on most kernels.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "btfgen/common/text.h"
#include "btfgen/report/report.h"

namespace btfgen {

namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string pad(std::string s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string count(size_t n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

}  // namespace

std::string report_text(const Report& report, size_t worst_fields) {
  std::string out;
  if (report.catalog == nullptr) return out;
  const RelocationCatalog& catalog = *report.catalog;
  const auto& programs = catalog.programs();
  const std::vector<ProgramSummary> summary = report.summary();
  size_t failed_kernels = 0, hazard_kernels = 0;
  for (const KernelReport& k : report.kernels) {
    failed_kernels += k.failed ? 1 : 0;
    hazard_kernels += k.hazards.empty() ? 0 : 1;
  }

  std::vector<std::string> names;
  size_t width = 7;
  for (const ReportProgram& p : programs) {
    names.push_back(printable(base_name(report.objects.at(p.object)) + ": " + p.name));
    width = std::max(width, names.back().size());
  }
  out += pad("program", width) + "    clean  missing poisoned   failed\n";
  for (uint32_t p = 0; p < programs.size(); p++) {
    const ProgramSummary& s = summary[p];
    out += pad(names[p], width) + pad(std::to_string(s.clean), 9, true) + pad(std::to_string(s.missing), 9, true) +
           pad(std::to_string(s.poisoned), 9, true) + pad(std::to_string(s.failed), 9, true) + "\n";
  }
  out += count(report.kernels.size(), "kernel") + ", " + count(programs.size(), "program") + ", " +
         count(catalog.relocation_count(), "relocation") + "; failed: " + std::to_string(failed_kernels) +
         "; where bpftool's minimized BTF would change a decision (see --preserve-decisions): " +
         std::to_string(hazard_kernels) + "\n";
  for (size_t o = 0; o < report.objects.size() && o < catalog.relocations().size(); o++) {
    if (catalog.relocations()[o].empty())
      out += "note: " + printable(report.objects[o]) + " has no CO-RE relocations: it needs no kernel BTF\n";
  }

  // The worst fields: (field, result) by the number of kernels it hits.
  std::map<std::pair<std::string, ReloResult>, std::set<size_t>> hits;
  for (size_t k = 0; k < report.kernels.size(); k++) {
    for (const ReportedRelocation& r : report.kernels[k].relocations) {
      if (r.decision.result == ReloResult::Resolved) continue;
      hits[{catalog.relocations()[r.object][r.record].field, r.decision.result}].insert(k);
    }
  }
  std::vector<std::pair<size_t, std::pair<std::string, ReloResult>>> ranked;
  ranked.reserve(hits.size());
  for (const auto& [key, kernels] : hits) ranked.push_back({kernels.size(), key});
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    if (a.second.second != b.second.second) return a.second.second > b.second.second;  // poisoned first
    return a.second.first < b.second.first;
  });
  if (!ranked.empty()) out += "worst fields:\n";
  for (size_t i = 0; i < ranked.size() && i < worst_fields; i++) {
    const auto& [count, key] = ranked[i];
    const std::set<size_t>& kernels = hits[key];
    std::string examples;
    size_t shown = 0;
    for (size_t k : kernels) {
      if (shown++ == 3) break;
      examples += (examples.empty() ? "" : ", ") + printable(report.kernels[k].path);
    }
    if (kernels.size() > 3) examples += ", ...";
    out += "  " + printable(key.first) + " " + result_name(key.second) + " on " + std::to_string(count) +
           (count == 1 ? " kernel: " : " kernels: ") + examples + "\n";
  }
  return out;
}

}  // namespace btfgen
