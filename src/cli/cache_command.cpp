// `btfgen cache stats|clean [--cache DIR]`: the CLI face of cache_stats / clean_cache.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>

#include "btfgen/cache.h"
#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "commands.h"

namespace btfgen::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitSetup = 2;

std::string when(int64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// --cache, else $BTFGEN_CACHE_DIR; empty when neither says.
std::string resolve(const std::string& option) {
  if (!option.empty()) return option;
  const char* env = std::getenv("BTFGEN_CACHE_DIR");
  return env != nullptr ? env : "";
}

int stats(const std::string& dir) {
  const CacheStats s = cache_stats(dir);
  fmt::print("cache: {}\n", printable(dir));
  fmt::print("entries: {} ({} stored against a base entry of their directory)\n", s.entries, s.deltas);
  fmt::print("entry bytes: {}\n", s.entry_bytes);
  fmt::print("btf bytes: {}\n", s.btf_bytes);
  fmt::print("temporary files: {}\n", s.temporary);
  fmt::print("other files (not btfgen's, never touched): {}\n", s.foreign);
  if (s.entries > 0) {
    fmt::print("least recently used: {}\n", when(s.oldest_use_ns));
    fmt::print("most recently used: {}\n", when(s.newest_use_ns));
  }
  return kExitOk;
}

int clean(const std::string& dir) {
  const CacheCleaned c = clean_cache(dir);
  for (const auto& e : c.errors) spdlog::error("btfgen cache clean: {}", printable(e));
  fmt::print("removed {} files ({} bytes) from {}; {} other files left alone\n", c.removed, c.removed_bytes,
             printable(dir), c.kept);
  return c.errors.empty() ? kExitOk : kExitFailed;
}

}  // namespace

void add_cache_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd =
      app.add_subcommand("cache", "Show or empty the kernel cache of `btfgen build --cache` (docs/cache.md)");
  cmd->require_subcommand(1);
  auto add = [&](const char* name, const char* what, int (*action)(const std::string&)) {
    auto dir = std::make_shared<std::string>();
    CLI::App* sub = cmd->add_subcommand(name, what);
    sub->add_option("--cache", *dir, "Cache directory (default: $BTFGEN_CACHE_DIR)");
    sub->callback([dir, action, name, &exit_code] {
      const std::string resolved = resolve(*dir);
      if (resolved.empty()) {
        spdlog::error("btfgen cache {}: no cache directory: pass --cache DIR or set BTFGEN_CACHE_DIR", name);
        exit_code = kExitSetup;
        return;
      }
      try {
        exit_code = action(resolved);
      } catch (const Error& e) {
        spdlog::error("btfgen cache {}: {}", name, printable(e.what()));
        exit_code = kExitSetup;
      }
    });
  };
  add("stats", "Entries, bytes and age of the cache", stats);
  add("clean", "Remove every cache entry (and nothing that is not one)", clean);
}

}  // namespace btfgen::cli
