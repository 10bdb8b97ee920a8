// `btfgen report` over an archive: a pool of workers, each holding one kernel at a time (like the
// build's), deciding every relocation once with minimize_kernel and keeping only the report.
#include "btfgen/report/report_runner.h"

#include <algorithm>
#include <mutex>
#include <thread>

#include "btfgen/common/error.h"

namespace btfgen {

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::vector<KernelReport> run_report(const ArchiveWalk& walk, const ObjectSet& objects,
                                     const RelocationCatalog& catalog, const ReportRunOptions& options,
                                     const std::function<void(size_t done, size_t total)>& on_kernel,
                                     const std::atomic<bool>& cancel) {
  std::vector<const ArchiveKernel*> todo;
  for (const ArchiveKernel& k : walk.kernels) {
    if (k.selected) todo.push_back(&k);
  }
  std::vector<KernelReport> reports;
  std::mutex mu;
  std::atomic<size_t> next{0};
  size_t done = 0;
  const MinimizeOptions minimize_options{
      .preserve_decisions = options.preserve_decisions, .decisions = true, .hazards = true};
  auto work = [&] {
    for (size_t i = next++; i < todo.size() && !cancel; i = next++) {
      const ArchiveKernel& k = *todo[i];
      KernelReport report;
      try {
        const BtfPtr btf = load_kernel_btf(k.input_path, {options.max_input_size, &cancel});
        report = kernel_report(catalog, k.output_relative, minimize_kernel(btf.get(), objects, minimize_options),
                               options.all);
      } catch (const Error& e) {
        if (e.code() == ECANCELED) return;
        report = failed_kernel_report(k.output_relative, first_line(e.what()));
      } catch (const std::exception& e) {  // bad_alloc and the like: this kernel only
        report = failed_kernel_report(k.output_relative, k.input_path + ": " + e.what());
      }
      const std::lock_guard<std::mutex> lock(mu);
      reports.push_back(std::move(report));
      if (on_kernel) on_kernel(++done, todo.size());
    }
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(todo.size())));
  std::vector<std::thread> pool;
  for (unsigned j = 1; j < jobs; j++) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return reports;
}

}  // namespace btfgen
