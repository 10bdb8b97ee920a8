// A kernel's report from the engine's decisions, and the per-program summary over kernels.
#include "btfgen/report/report.h"

#include <algorithm>

namespace btfgen {

const char* outcome_name(ProgramOutcome o) {
  switch (o) {
    case ProgramOutcome::Clean:
      return "clean";
    case ProgramOutcome::Missing:
      return "missing";
    case ProgramOutcome::Poisoned:
      return "poisoned";
    case ProgramOutcome::Failed:
      return "failed";
  }
  return "unknown";
}

ProgramOutcome KernelReport::outcome(uint32_t program) const {
  if (failed || program >= programs.size()) return ProgramOutcome::Failed;
  const ProgramCounts& c = programs[program];
  if (c.poisoned > 0) return ProgramOutcome::Poisoned;
  if (c.missing > 0) return ProgramOutcome::Missing;
  return ProgramOutcome::Clean;
}

KernelReport kernel_report(const RelocationCatalog& catalog, std::string path, const MinimizedKernel& kernel,
                           bool all) {
  KernelReport report{.path = std::move(path), .hazards = kernel.hazards, .preserved = kernel.preserved};
  report.programs.resize(catalog.programs().size());
  const auto& records = catalog.relocations();
  for (uint32_t o = 0; o < kernel.decisions.size() && o < records.size(); o++) {
    for (uint32_t r = 0; r < kernel.decisions[o].size() && r < records[o].size(); r++) {
      const KernelDecision& d = kernel.decisions[o][r];
      ProgramCounts& counts = report.programs[records[o][r].program];
      switch (d.result) {
        case ReloResult::Resolved:
          counts.resolved++;
          break;
        case ReloResult::Missing:
          counts.missing++;
          break;
        case ReloResult::Poisoned:
          counts.poisoned++;
          break;
      }
      if (all || d.result != ReloResult::Resolved)
        report.relocations.push_back({.object = o, .record = r, .decision = d});
    }
  }
  return report;
}

KernelReport failed_kernel_report(std::string path, std::string error) {
  return KernelReport{.path = std::move(path), .failed = true, .error = std::move(error)};
}

void Report::sort_kernels() {
  std::sort(kernels.begin(), kernels.end(),
            [](const KernelReport& a, const KernelReport& b) { return a.path < b.path; });
}

std::vector<ProgramSummary> Report::summary() const {
  std::vector<ProgramSummary> out(catalog != nullptr ? catalog->programs().size() : 0);
  for (const KernelReport& k : kernels) {
    for (uint32_t p = 0; p < out.size(); p++) {
      switch (k.outcome(p)) {
        case ProgramOutcome::Clean:
          out[p].clean++;
          break;
        case ProgramOutcome::Missing:
          out[p].missing++;
          break;
        case ProgramOutcome::Poisoned:
          out[p].poisoned++;
          break;
        case ProgramOutcome::Failed:
          out[p].failed++;
          break;
      }
    }
  }
  return out;
}

bool Report::any(ProgramOutcome o) const {
  for (const KernelReport& k : kernels) {
    if (k.failed) {
      if (o == ProgramOutcome::Failed) return true;
      continue;
    }
    for (const ProgramCounts& c : k.programs) {
      if ((o == ProgramOutcome::Missing && c.missing > 0) || (o == ProgramOutcome::Poisoned && c.poisoned > 0) ||
          (o == ProgramOutcome::Clean && c.missing == 0 && c.poisoned == 0))
        return true;
    }
  }
  return false;
}

}  // namespace btfgen
