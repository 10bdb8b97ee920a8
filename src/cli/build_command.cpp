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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "btfgen/build.h"
#include "btfgen/cache.h"
#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "btfgen/minimize/object_set.h"
#include "btfgen/pack/pack.h"
#include "commands.h"

namespace btfgen::cli {

namespace {

namespace fs = std::filesystem;

// Exit statuses of `build` (docs/build.md).
constexpr int kExitOk = 0;
constexpr int kExitKernelsFailed = 1;
constexpr int kExitSetup = 2;
constexpr int kExitInterrupted = 130;

std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_interrupt(int) { g_cancel.store(true); }

// SIGINT/SIGTERM ask the workers to stop (they finish or drop their current kernel, never leaving a
// partial file). SA_RESETHAND: a second Ctrl-C kills at once, for the impatient.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_cancel = false;
    struct sigaction sa{};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_{};
  struct sigaction old_term_{};
};

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
  std::string cache;  // --cache DIR, else $BTFGEN_CACHE_DIR
  bool no_cache = false;
  std::string cache_max;
};

// --no-cache wins over --cache, which wins over $BTFGEN_CACHE_DIR; empty: no cache.
std::string cache_dir(const BuildArgs& args) {
  if (args.no_cache) return {};
  if (!args.cache.empty()) return args.cache;
  const char* env = std::getenv("BTFGEN_CACHE_DIR");
  return env != nullptr ? env : "";
}

unsigned online_cpus() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
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
  std::error_code ec;
  if (!fs::is_directory(args.archive, ec)) {
    return setup_error(fmt::format(
        "archive directory '{}' not found. In a checkout with the btfhub-archive submodule run `git submodule "
        "update --init --depth 1 btfhub-archive`, or pass --archive DIR.",
        args.archive));
  }
  if (args.jobs == 0) return setup_error("--jobs must be at least 1");
  uint64_t max_input_size = kDefaultMaxInputSize;
  if (!args.max_input_size.empty()) {
    const auto parsed = parse_size(args.max_input_size);
    if (!parsed || *parsed == 0 || *parsed > kMaxInputSizeCeiling)
      return setup_error(
          fmt::format("--max-input-size '{}': expected a size from 1 to 4G-1 (e.g. 256M, 1G)", args.max_input_size));
    max_input_size = *parsed;
  }
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
  std::string state_path = args.state;
  ArchiveWalk walk;
  try {
    check_output_dir(args.archive, args.output);
    if (state_path.empty()) state_path = state_file_path(args.output, args.arch);
    WalkOptions walk_options{
        .include = args.include, .exclude = args.exclude, .arch_dir = args.arch_dir, .cancel = &g_cancel};
    if (fs::exists(args.output, ec)) walk_options.skip_dir = args.output;
    walk = walk_archive(args.archive, args.arch, walk_options);
  } catch (const Error& e) {
    if (e.code() == ECANCELED) return kExitInterrupted;
    return setup_error(e.what());
  }
  for (const auto& note : walk.notes) spdlog::info("note: {}", printable(note));
  if (walk.kernels.empty()) {
    std::string dirs;
    for (const auto& d : walk.arch_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
    const auto aliases = arch_aliases(args.arch);
    std::string names;
    for (const auto& a : aliases) names += (names.empty() ? "" : "|") + a;
    return setup_error(fmt::format(
        "no kernels for arch '{}' (directories named {}) in '{}'; arch directories found: {}", args.arch, names,
        args.archive,
        dirs.empty() ? "none (an uninitialised submodule? run `git submodule update --init --depth 1 btfhub-archive`)"
                     : dirs));
  }
  if (walk.selected_count() == 0) {
    return setup_error(fmt::format("{} kernels for arch '{}' in '{}', but none passes --include/--exclude",
                                   walk.kernels.size(), args.arch, args.archive));
  }

  std::optional<ObjectSet> objects;
  try {
    // Every file written beside the tree: never an input, never inside the tree.
    const std::pair<const std::string*, const char*> extras[] = {
        {&state_path, "--state"}, {&args.json, "--json"}, {&args.pack, "--pack"}};
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
                       .fingerprint = object_set_fingerprint(*objects),
                       .state_path = state_path,
                       .arch_dir = args.arch_dir,
                       .max_input_size = max_input_size,
                       .wait_lock = args.wait_lock,
                       .cache_dir = cache,
                       .cache_max = cache_max};

  ProgressBar bar(isatty(STDERR_FILENO) == 1);
  BuildCallbacks callbacks;
  callbacks.on_start = [&bar](size_t total) { bar.start(total); };
  callbacks.on_kernel = [&bar](const KernelRecord& k, size_t done, size_t) { bar.update(k, done); };
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
