// `btfgen report`: on which kernels each program relocates cleanly — the CLI face of run_report
// (options, checks before any work, Ctrl-C, the outputs and --fail-on). The work is in the core.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive_setup.h"
#include "btfgen/build/build_guards.h"
#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "btfgen/report/report_runner.h"
#include "commands.h"
#include "interrupts.h"
#include "report_output.h"

namespace btfgen::cli {

namespace {

constexpr int kExitSetup = 2;

struct ReportArgs {
  std::string archive = "./btfhub-archive";
  std::string arch;
  std::vector<std::string> objects;
  std::vector<std::string> include, exclude;
  std::string arch_dir;
  unsigned jobs = 1;
  std::string json, html;
  bool all = false;
  bool preserve_decisions = false;
  std::vector<std::string> fail_on;
  std::string max_input_size;
};

int run(const ReportArgs& args) {
  InterruptGuard interrupts;
  auto setup_error = [](const std::string& what) {
    spdlog::error("btfgen report: {}", printable(what));
    return kExitSetup;
  };
  std::string limits_error;
  const std::optional<uint64_t> limit = check_archive_limits(args.jobs, args.max_input_size, limits_error);
  if (!limit) return setup_error(limits_error);
  const uint64_t max_input_size = *limit;
  const ReportOutputs outputs{.json = args.json, .html = args.html, .fail_on = args.fail_on};
  if (const std::string why = check_report_outputs(outputs); !why.empty()) return setup_error(why);

  std::string why;
  const std::optional<ArchiveWalk> walk = walk_for_command(
      args.archive, args.arch,
      {.include = args.include, .exclude = args.exclude, .arch_dir = args.arch_dir, .cancel = &g_cancel}, why);
  if (!walk) return why.empty() ? kExitInterrupted : setup_error(why);
  for (const auto& note : walk->notes) spdlog::debug("note: {}", printable(note));

  std::optional<ObjectSet> objects;
  try {
    for (const auto& [path, what] : {std::pair{&args.json, "--json"}, std::pair{&args.html, "--html"}}) {
      if (!path->empty()) check_not_an_input(*path, what, args.archive, *walk, args.objects, "");
    }
    objects.emplace(ObjectSet::load(args.objects));
  } catch (const Error& e) {
    return setup_error(e.what());
  }
  const RelocationCatalog catalog(*objects);
  Report report{.arch = args.arch, .objects = args.objects, .catalog = &catalog};
  report.kernels = run_report(*walk, *objects, catalog,
                              {.jobs = args.jobs,
                               .max_input_size = max_input_size,
                               .preserve_decisions = args.preserve_decisions,
                               .all = args.all},
                              nullptr, g_cancel);
  if (g_cancel) return kExitInterrupted;
  report.sort_kernels();
  for (const KernelReport& k : report.kernels) {
    if (k.failed) spdlog::warn("failed  {}: {}", printable(k.path), printable(k.error));
  }
  return emit_report(report, outputs, true);
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  args->jobs = online_cpus();
  CLI::App* cmd = app.add_subcommand(
      "report", "Which programs relocate cleanly on which kernels: libbpf's decisions on every kernel of an archive");
  cmd->add_option("--archive", args->archive, "btfhub-archive checkout to read")->capture_default_str();
  cmd->add_option("--arch", args->arch, "Architecture: x86_64 (also x86, amd64), arm64 (also aarch64), ...")
      ->required();
  cmd->add_option("--obj", args->objects, "BPF CO-RE object (repeat for several)")->required()->take_all();
  cmd->add_option("--include", args->include, "Only kernels whose relative path matches this glob (repeatable)");
  cmd->add_option("--exclude", args->exclude, "Skip kernels whose relative path matches this glob (repeatable)");
  cmd->add_option("--arch-dir", args->arch_dir, "Spell the arch directory of the kernel paths this way");
  cmd->add_option("-j,--jobs", args->jobs, "Kernels processed in parallel")->capture_default_str();
  cmd->add_option("--json", args->json, "Write the report as JSON (format btfgen-report, version 1)");
  cmd->add_option("--html", args->html, "Write the report as one self-contained HTML page (a heatmap)");
  cmd->add_flag("--all", args->all, "List every relocation in the JSON, not only the missing and poisoned ones");
  cmd->add_flag("--preserve-decisions", args->preserve_decisions,
                "Also check that a decision-preserving minimized BTF can be made for every kernel");
  cmd->add_option("--fail-on", args->fail_on, "Exit 1 when some kernel has this outcome: poisoned, missing, failed")
      ->delimiter(',');
  cmd->add_option("--max-input-size", args->max_input_size,
                  "Largest decompressed kernel BTF (and tarball stream) accepted, e.g. 256M (the default)");
  cmd->footer(
      "Without --json/--html, prints a table of programs x kernel outcomes and the worst fields.\n"
      "Exit status: 0 done, 1 a --fail-on outcome was found, 2 setup error or a report file could not be\n"
      "written, 130 interrupted.");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace btfgen::cli
