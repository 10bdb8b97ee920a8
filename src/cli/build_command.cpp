// `btfgen build`: the CLI face of btfgen::run_build — options, checks before any work, the progress
// bar, Ctrl-C, the closing summary and the exit status. The work itself is in the core.
#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "archive_setup.h"
#include "btfgen/build.h"
#include "btfgen/cache.h"
#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "btfgen/minimize/object_set.h"
#include "btfgen/pack/pack.h"
#include "commands.h"
#include "interrupts.h"
#include "report_output.h"

namespace btfgen::cli {

namespace {

namespace fs = std::filesystem;

// Exit statuses of `build` (docs/build.md).
constexpr int kExitOk = 0;
constexpr int kExitKernelsFailed = 1;
constexpr int kExitSetup = 2;

struct BuildArgs {
  std::string archive = "./btfhub-archive";
  std::string arch;
  std::vector<std::string> objects;
  std::string output = "./btfs";
  unsigned jobs = 0;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::string json;
  std::string state;
  std::string arch_dir;
  std::string pack;
  std::string pack_prefix;
  bool allow_failures = false;
  std::string max_input_size;
  bool wait_lock = false;
  bool preserve_decisions = false;
  std::string report_json, report_html;
  std::string cache;  // --cache DIR, else $BTFGEN_CACHE_DIR
  bool no_cache = false;
  std::string cache_max;
};

ReportOutputs report_outputs(const BuildArgs& args) { return {.json = args.report_json, .html = args.report_html}; }

// --no-cache wins over --cache, which wins over $BTFGEN_CACHE_DIR; empty: no cache.
std::string cache_dir(const BuildArgs& args) {
  if (args.no_cache) return {};
  if (!args.cache.empty()) return args.cache;
  const char* env = std::getenv("BTFGEN_CACHE_DIR");
  return env != nullptr ? env : "";
}

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
  return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
}

std::string clock_text(double seconds) {
  const long s = std::lround(seconds);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

// A one-line bar on stderr, redrawn at most ten times a second; only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void start(size_t total) {
    total_ = total;
    start_ = std::chrono::steady_clock::now();
  }

  // Called serialized by the core.
  void update(const KernelRecord& kernel, size_t done) {
    if (!kernel.from_state) ++built_;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? built_ / elapsed : 0;
    const size_t left = total_ - done;
    const std::string eta = rate > 0 ? clock_text(left / rate) : "--:--";
    constexpr size_t kWidth = 30;
    const size_t filled = total_ ? done * kWidth / total_ : kWidth;
    fmt::print(stderr, "\r\033[K[{}{}] {}/{} {:.1f} kernels/s ETA {}", std::string(filled, '#'),
               std::string(kWidth - filled, '-'), done, total_, rate, eta);
    std::fflush(stderr);
    drawn_ = true;
  }

  void clear() {
    if (enabled_ && drawn_) {
      fmt::print(stderr, "\r\033[K");
      std::fflush(stderr);
      drawn_ = false;
    }
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  size_t total_ = 0;
  size_t built_ = 0;
  std::chrono::steady_clock::time_point start_{};
  std::chrono::steady_clock::time_point last_draw_{};
};

int run(const BuildArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  // Each kernel needs a few multi-MB buffers (decompressed BTF, its parsed copy). glibc would mmap
  // and munmap them per kernel, paying page faults every time (measured: 0.20 s of 1.6 s CPU for
  // 25 kernels); keeping them in the heap for reuse leaves only decompression as the cost. Peak
  // memory is unchanged: it is still about --jobs kernels.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  InterruptGuard interrupts;

  // Everything that can be wrong with the setup is said before any kernel is touched.
  auto setup_error = [](const std::string& what) {
    spdlog::error("btfgen build: {}", printable(what));
    return kExitSetup;
  };
  std::string limits_error;
  const std::optional<uint64_t> limit = check_archive_limits(args.jobs, args.max_input_size, limits_error);
  if (!limit) return setup_error(limits_error);
  const uint64_t max_input_size = *limit;
  uint64_t cache_max = kDefaultCacheMax;
  if (!args.cache_max.empty()) {
    const auto parsed = parse_size(args.cache_max);
    if (!parsed) return setup_error(fmt::format("--cache-max '{}': expected a size (e.g. 2G, 500M)", args.cache_max));
    cache_max = *parsed;
  }
  const std::string cache = cache_dir(args);
  if (!args.arch_dir.empty() && (args.arch_dir.find('/') != std::string::npos || args.arch_dir[0] == '.'))
    return setup_error(fmt::format("--arch-dir '{}': expected one directory name, like aarch64", args.arch_dir));
  if (!args.pack.empty() && !pack_format_for(args.pack))
    return setup_error(fmt::format("--pack {}: unknown suffix; use one of {}", args.pack, kPackSuffixes));
  const std::string report_error = check_report_outputs(report_outputs(args));
  if (!report_error.empty()) return setup_error(report_error);
  std::string state_path = args.state;
  ArchiveWalk walk;
  try {
    check_output_dir(args.archive, args.output);
    if (state_path.empty()) state_path = state_file_path(args.output, args.arch);
  } catch (const Error& e) {
    return setup_error(e.what());
  }
  {
    WalkOptions walk_options{
        .include = args.include, .exclude = args.exclude, .arch_dir = args.arch_dir, .cancel = &g_cancel};
    std::error_code ec;
    if (fs::exists(args.output, ec)) walk_options.skip_dir = args.output;
    std::string why;
    std::optional<ArchiveWalk> found = walk_for_command(args.archive, args.arch, walk_options, why);
    if (!found) return why.empty() ? kExitInterrupted : setup_error(why);
    walk = std::move(*found);
  }
  for (const auto& note : walk.notes) spdlog::info("note: {}", printable(note));

  std::optional<ObjectSet> objects;
  try {
    // Every file written beside the tree: never an input, never inside the tree.
    const std::pair<const std::string*, const char*> extras[] = {{&state_path, "--state"},
                                                                 {&args.json, "--json"},
                                                                 {&args.pack, "--pack"},
                                                                 {&args.report_json, "--report-json"},
                                                                 {&args.report_html, "--report-html"}};
    if (!cache.empty()) check_outside_output(cache, "--cache", args.output);
    for (const auto& [path, what] : extras) {
      if (path->empty()) continue;
      check_outside_output(*path, what, args.output);
      check_not_an_input(*path, what, args.archive, walk, args.objects, path == &state_path ? "" : state_path);
    }
    objects.emplace(ObjectSet::load(args.objects));
  } catch (const Error& e) {
    return setup_error(e.what());
  }
  if (g_cancel) return kExitInterrupted;

  BuildOptions options{.output_dir = args.output,
                       .arch = args.arch,
                       .jobs = args.jobs,
                       // Outputs made with and without --preserve-decisions may differ: never mixed.
                       .fingerprint = object_set_fingerprint(*objects) + (args.preserve_decisions ? "+preserve" : ""),
                       .state_path = state_path,
                       .arch_dir = args.arch_dir,
                       .max_input_size = max_input_size,
                       .wait_lock = args.wait_lock,
                       .preserve_decisions = args.preserve_decisions,
                       .decide = !args.report_json.empty() || !args.report_html.empty(),
                       .cache_dir = cache,
                       .cache_max = cache_max};

  ProgressBar bar(isatty(STDERR_FILENO) == 1);
  BuildCallbacks callbacks;
  callbacks.on_start = [&bar](size_t total) { bar.start(total); };
  callbacks.on_kernel = [&bar](const KernelRecord& k, size_t done, size_t) { bar.update(k, done); };
  // The report is made from the pass that minimized each kernel: nothing is decompressed twice.
  const RelocationCatalog catalog(*objects);
  Report report{.arch = args.arch, .objects = args.objects, .catalog = &catalog};
  std::mutex report_mutex;
  callbacks.on_decided = [&](const ArchiveKernel& k, const MinimizedKernel& decided) {
    KernelReport kernel = kernel_report(catalog, k.output_relative, decided, false);
    const std::lock_guard<std::mutex> lock(report_mutex);
    report.kernels.push_back(std::move(kernel));
  };
  callbacks.on_cache_event = [](const CacheEvent& e) {
    spdlog::debug("cache {}: {}{}{}", cache_event_name(e.kind), printable(e.path), e.detail.empty() ? "" : ": ",
                  printable(e.detail));
  };

  BuildResult result;
  try {
    result = run_build(walk, *objects, options, callbacks, g_cancel);
  } catch (const Error& e) {
    bar.clear();
    if (e.code() == ECANCELED) return kExitInterrupted;
    return setup_error(e.what());
  }
  bar.clear();

  for (const auto& w : result.warnings) spdlog::warn("warning: {}", printable(w));
  for (const auto& k : result.kernels) {
    if (k.status == KernelStatus::Failed)
      spdlog::error("failed  {}: {}", printable(k.output_relative), printable(k.error));
  }
  for (const auto& k : result.kernels) {
    if (k.status == KernelStatus::Removed)
      spdlog::info("removed {} (its kernel left the archive)", printable(k.output_relative));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info(
      "btfgen build: {} kernels found, {} written, {} unchanged, {} failed, {} removed; {} output ({} bytes); {:.2f} "
      "s{}",
      result.found, result.written, result.unchanged, result.failed, result.removed, human_bytes(result.output_bytes),
      result.output_bytes, seconds, result.cancelled ? " (interrupted)" : "");

  if (result.cache_used) {
    const CacheCounters& c = result.cache;
    spdlog::debug("cache totals ({}): {} hits, {} misses ({} rejected), {} stored, {} store failures, {} evicted",
                  printable(cache), c.hits, c.misses, c.rejected, c.stored, c.store_failed, c.evicted);
  }

  int status = kExitOk;
  if (!args.json.empty()) {
    try {
      write_manifest(args.json, args.arch, result);
    } catch (const Error& e) {
      spdlog::error("btfgen build: {}", printable(e.what()));
      status = kExitSetup;
    }
  }
  if (!args.pack.empty() && !result.cancelled) {
    try {
      write_pack(args.pack, read_tree(args.output), {.prefix = args.pack_prefix});
    } catch (const Error& e) {
      spdlog::error("btfgen build: {}", printable(e.what()));
      status = kExitSetup;
    }
  }
  if (options.decide && !result.cancelled) {
    // Kernels that failed (a bad input, or an output that could not be written) are failed in the
    // report too; kernels merely removed from the tree are not part of it.
    std::map<std::string, size_t> decided;
    for (size_t i = 0; i < report.kernels.size(); i++) decided[report.kernels[i].path] = i;
    std::set<std::string> selected;
    for (const auto& k : walk.kernels) {
      if (k.selected) selected.insert(k.output_relative);
    }
    for (const auto& k : result.kernels) {
      if (k.status != KernelStatus::Failed || selected.count(k.output_relative) == 0) continue;
      const auto it = decided.find(k.output_relative);
      if (it == decided.end())
        report.kernels.push_back(failed_kernel_report(k.output_relative, k.error));
      else
        report.kernels[it->second] = failed_kernel_report(k.output_relative, k.error);
    }
    report.sort_kernels();
    if (emit_report(report, report_outputs(args), false) == 2) status = kExitSetup;
  }
  if (!result.state_error.empty()) {
    spdlog::error("btfgen build: the state was not saved (the next run rebuilds): {}", printable(result.state_error));
    status = kExitSetup;
  }
  if (result.cancelled) return kExitInterrupted;
  if (status != kExitOk) return status;
  if (result.failed > 0 && !args.allow_failures) return kExitKernelsFailed;
  return kExitOk;
}

}  // namespace

void add_build_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BuildArgs>();
  args->jobs = online_cpus();
  CLI::App* cmd = app.add_subcommand(
      "build", "Minimize every kernel of one arch in a btfhub-archive into OUTPUT/<same path>/<kernel>.btf");
  cmd->add_option("--archive", args->archive, "btfhub-archive checkout to read")->capture_default_str();
  cmd->add_option("--arch", args->arch, "Architecture: x86_64 (also x86, amd64), arm64 (also aarch64), ...")
      ->required();
  cmd->add_option("--obj", args->objects, "BPF CO-RE object (repeat for several; all are merged per kernel)")
      ->required()
      ->take_all();
  cmd->add_option("--output", args->output, "Output tree: only the minimized .btf files")->capture_default_str();
  cmd->add_option("--state", args->state,
                  "Incremental state file (default: OUTPUT.btfgen-state-ARCH.tsv, beside the tree)");
  cmd->add_option("--arch-dir", args->arch_dir,
                  "Spell the arch directory of the outputs this way (aarch64 for bcc and Inspektor Gadget)");
  cmd->add_option("--pack", args->pack, "Also pack the tree into FILE (.tar, .tar.gz, .tgz, .tar.xz, .tar.zst, .c)");
  cmd->add_option("--pack-prefix", args->pack_prefix, "Put this before every member name of --pack (./ for bcc)");
  cmd->add_option("-j,--jobs", args->jobs, "Kernels processed in parallel")->capture_default_str();
  cmd->add_option("--include", args->include, "Only kernels whose relative path matches this glob (repeatable)");
  cmd->add_option("--exclude", args->exclude, "Skip kernels whose relative path matches this glob (repeatable)");
  cmd->add_option("--json", args->json, "Write a JSON manifest of every kernel to this file");
  cmd->add_flag("--allow-failures", args->allow_failures,
                "Exit 0 even when some kernels failed (they are still reported)");
  cmd->add_option("--max-input-size", args->max_input_size,
                  "Largest decompressed kernel BTF (and tarball stream) accepted, e.g. 256M (the default)");
  cmd->add_flag("--preserve-decisions", args->preserve_decisions,
                "Where bpftool's output would make libbpf decide a relocation otherwise than on the full BTF, keep "
                "every candidate libbpf could pick (elsewhere the bytes stay bpftool's)");
  cmd->add_option("--report-json", args->report_json,
                  "Also write the portability report (btfgen report --json) from the same pass");
  cmd->add_option("--report-html", args->report_html, "Also write the report as one self-contained HTML page");
  cmd->add_flag("--wait-lock", args->wait_lock,
                "When another build holds the output directory, wait for it instead of failing");
  cmd->add_option("--cache", args->cache,
                  "Keep decompressed kernels in DIR for faster rebuilds (default: $BTFGEN_CACHE_DIR; docs/cache.md)");
  cmd->add_flag("--no-cache", args->no_cache, "Use no cache, whatever --cache and $BTFGEN_CACHE_DIR say");
  cmd->add_option("--cache-max", args->cache_max,
                  "Most bytes of cache entries kept; least recently used ones are evicted (default 2G)");
  cmd->footer(
      "Exit status: 0 all kernels built (or --allow-failures), 1 some kernels failed, 2 setup error\n"
      "(archive, arch, objects, output), 130 interrupted.");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace btfgen::cli
