// btfgen: minimized BTF for BPF CO-RE objects, for one kernel (`min`) or a btfhub archive (`build`).
#include <bpf/libbpf.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdarg>
#include <cstdio>

#include "btfgen/common/text.h"
#include "commands.h"

namespace {

// libbpf's own messages go to spdlog's debug level (`-v` shows them); btfgen reports errors itself.
int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  if (!spdlog::should_log(spdlog::level::debug)) return 0;
  char buf[1024];
  const int n = std::vsnprintf(buf, sizeof(buf), format, args);
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  spdlog::debug("libbpf({}): {}", static_cast<int>(level), line);
  return n;
}

int run(int argc, char** argv) {
  CLI::App app{"btfgen: minimized kernel BTF for BPF CO-RE objects (bpftool gen min_core_btf, faster)"};
  app.set_version_flag("--version", std::string("btfgen ") + BTFGEN_VERSION);
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Debug logging, including libbpf's messages");
  app.footer(
      "Examples:\n"
      "  btfgen min /sys/kernel/btf/vmlinux min.btf trace.bpf.o\n"
      "  btfgen build --arch x86_64 --obj trace.bpf.o --output btfs");
  int exit_code = 0;
  btfgen::cli::add_min_command(app, exit_code);
  btfgen::cli::add_build_command(app, exit_code);
  btfgen::cli::add_report_command(app, exit_code);
  btfgen::cli::add_pack_command(app, exit_code);
  btfgen::cli::add_lookup_command(app, exit_code);
  btfgen::cli::add_cache_command(app, exit_code);
  // Diagnostics go to stderr so stdout stays clean for pipelines.
  spdlog::set_default_logger(spdlog::stderr_color_mt("btfgen"));
  spdlog::set_pattern("%v");
  libbpf_set_print(libbpf_print);
  app.parse_complete_callback([&] { spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);
    // `min` is a drop-in for bpftool, which exits 255 on a usage error.
    const CLI::App_p min = app.get_subcommand_ptr("min");
    return status != 0 && min != nullptr && min->parsed() ? 255 : status;
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // out of memory, a logging failure: still one clean line
    std::fprintf(stderr, "btfgen: %s\n", btfgen::printable(e.what()).c_str());
  } catch (...) {
    std::fprintf(stderr, "btfgen: unexpected error\n");
  }
  return 1;
}
