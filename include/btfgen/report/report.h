// `btfgen report`: which programs relocate cleanly on which kernels (report.cpp, report_json.cpp,
// report_text.cpp, report_runner.cpp). Every decision is libbpf's on the FULL kernel BTF, taken by
// the same engine pass that minimizes (minimize_kernel), so a build can report without a second
// decompression.
//
// Example: execsnoop's `tracepoint__syscalls__sys_enter_execve` reads task_struct->loginuid under
// bpf_core_field_exists(): on a kernel without it the existence check is `missing` (0 patched in,
// the program takes the other branch) and the read is `poisoned` (unreachable, so harmless); on a
// kernel where the check is absent the poisoned read makes the verifier reject the program.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/minimize/minimize.h"
#include "btfgen/minimize/object_set.h"

namespace btfgen {

// A program: the function symbol holding the relocated instructions (BpfObject::program_at).
struct ReportProgram {
  uint32_t object = 0;
  std::string name;
  std::string section;
};

// What one relocation record is, independent of any kernel.
struct ReportRelocation {
  std::string section;
  uint32_t index = 0;    // record index in its .BTF.ext section
  uint32_t program = 0;  // index in RelocationCatalog::programs()
  uint32_t kind = 0;
  std::string type;    // the local root type's name as the object spells it ("" when anonymous)
  std::string access;  // the access string, "0:12:3"
  std::string field;   // what it reaches, flavors stripped: "task_struct.loginuid", "pid_type::PIDTYPE_TGID"
};

// Every record of every object, described once per run.
class RelocationCatalog {
 public:
  explicit RelocationCatalog(const ObjectSet& objects);
  const std::vector<ReportProgram>& programs() const { return programs_; }
  // [object][record], records counted across the object's sections in file order.
  const std::vector<std::vector<ReportRelocation>>& relocations() const { return relocations_; }
  size_t relocation_count() const;

 private:
  std::vector<ReportProgram> programs_;
  std::vector<std::vector<ReportRelocation>> relocations_;
};

// Outcome of one program on one kernel; also the --fail-on levels.
enum class ProgramOutcome : uint8_t { Clean, Missing, Poisoned, Failed };
const char* outcome_name(ProgramOutcome o);  // "clean", "missing", "poisoned", "failed"

struct ProgramCounts {
  uint32_t resolved = 0, missing = 0, poisoned = 0;
};

struct ReportedRelocation {
  uint32_t object = 0, record = 0;
  KernelDecision decision;
};

struct KernelReport {
  std::string path;  // the output path, as in the build manifest: centos/7/x86_64/3.10.0-1062.el7.x86_64.btf
  bool failed = false;
  std::string error;                            // failed: why (one line)
  std::vector<ProgramCounts> programs;          // by catalog program index (empty when failed)
  std::vector<ReportedRelocation> relocations;  // the non-resolved ones, or every one with `all`
  std::vector<Hazard> hazards;                  // where bpftool's output would change a decision
  bool preserved = false;                       // --preserve-decisions changed this kernel's output

  ProgramOutcome outcome(uint32_t program) const;
};

// The report of one kernel from the engine's answer (MinimizeOptions: decisions + hazards).
KernelReport kernel_report(const RelocationCatalog& catalog, std::string path, const MinimizedKernel& kernel, bool all);
KernelReport failed_kernel_report(std::string path, std::string error);

struct ProgramSummary {
  uint32_t clean = 0, missing = 0, poisoned = 0, failed = 0;  // kernels; exclusive, worst outcome wins
};

struct Report {
  std::string arch;
  std::vector<std::string> objects;  // as given
  const RelocationCatalog* catalog = nullptr;
  std::vector<KernelReport> kernels;  // sorted by path (sort_kernels)

  void sort_kernels();
  std::vector<ProgramSummary> summary() const;  // by catalog program index
  // Some kernel has O: a failed kernel, or a program with a missing (poisoned) relocation,
  // whatever else it has (--fail-on).
  bool any(ProgramOutcome o) const;
};

// The JSON document ("format": "btfgen-report", "version": 1; docs/report.md). Strings that are not
// UTF-8 (kernel or object names) have their bad bytes replaced, so the document always parses.
std::string report_json(const Report& report);

// The terminal view: programs × kernel counts, then the fields that fail on most kernels.
std::string report_text(const Report& report, size_t worst_fields = 10);

}  // namespace btfgen
