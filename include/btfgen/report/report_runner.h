// `btfgen report` without a build: every selected kernel decided once, in a pool (report_runner.cpp).
#pragma once

#include <atomic>
#include <functional>

#include "btfgen/build/archive_walker.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/report/report.h"

namespace btfgen {

struct ReportRunOptions {
  unsigned jobs = 1;
  uint64_t max_input_size = kDefaultMaxInputSize;
  bool preserve_decisions = false;  // also check that a decision-preserving output can be made
  bool all = false;                 // keep every relocation, not only the non-resolved ones
};

// Decides every selected kernel of WALK; one that cannot be read or resolved is a failed entry.
// ON_KERNEL is called serialized as kernels finish. When CANCEL becomes true, workers stop and the
// kernels not reached are left out.
std::vector<KernelReport> run_report(const ArchiveWalk& walk, const ObjectSet& objects,
                                     const RelocationCatalog& catalog, const ReportRunOptions& options,
                                     const std::function<void(size_t done, size_t total)>& on_kernel,
                                     const std::atomic<bool>& cancel);

}  // namespace btfgen
