// `btfgen min INPUT OUTPUT OBJECT...`: drop-in for `bpftool gen min_core_btf` (same argument
// order, same bytes, same failures), with one-line errors that say where and no partial output.
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/common/output_file.h"
#include "btfgen/common/text.h"
#include "btfgen/input/kernel_btf.h"
#include "btfgen/minimize/minimize.h"
#include "commands.h"

namespace btfgen::cli {

int exit_status_for(int code) {
  // bpftool exits with the negative error code truncated to 8 bits (EINVAL -> 234).
  const int status = code > 0 ? (-code) & 0xff : 1;
  return status != 0 ? status : 1;
}

void add_min_command(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("min", "Minimize one kernel BTF for a set of BPF objects (like bpftool gen min_core_btf)");
  struct Args {
    std::string input, output;
    std::vector<std::string> objects;
    std::string max_input_size;
    bool preserve_decisions = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("INPUT", args->input, "Kernel BTF: raw .btf, ELF with .BTF (vmlinux), or .btf.tar.xz")->required();
  cmd->add_option("OUTPUT", args->output, "Minimized BTF to write")->required();
  cmd->add_option("OBJECT", args->objects, "BPF CO-RE objects (.bpf.o)")->required()->expected(1, -1);
  cmd->add_option(
      "--max-input-size", args->max_input_size,
      "Largest kernel BTF accepted (raw, .BTF section or decompressed tarball member), e.g. 256M (the default)");
  cmd->add_flag("--preserve-decisions", args->preserve_decisions,
                "Where bpftool's output would make libbpf decide a relocation otherwise than on the full BTF, keep "
                "every candidate libbpf could pick (elsewhere the bytes stay bpftool's)");
  cmd->footer("Example:\n  btfgen min /sys/kernel/btf/vmlinux min.btf trace.bpf.o other.bpf.o");
  cmd->callback([args, &exit_code] {
    InputLimits limits;
    if (!args->max_input_size.empty()) {
      std::string why;
      const auto size = parse_max_input_size(args->max_input_size, why);
      if (!size) {
        spdlog::error("btfgen: {}", printable(why));
        exit_code = 255;  // a usage error, as bpftool reports them
        return;
      }
      limits.max_input_size = *size;
    }
    try {
      BtfPtr target = load_kernel_btf(args->input, limits);
      // bpftool's order: the input, then each object parsed and resolved in turn.
      const ObjectSet objects = ObjectSet::load_until_failure(args->objects);
      const MinimizedKernel min =
          minimize_kernel(target.get(), objects, {.preserve_decisions = args->preserve_decisions});
      write_output_file(args->output, min.bytes);
      if (min.preserved)
        spdlog::info("btfgen: {}: kept every candidate libbpf could pick: bpftool's output would change {} decision{}",
                     printable(args->output), min.hazards.size(), min.hazards.size() == 1 ? "" : "s");
      exit_code = 0;
    } catch (const Error& e) {
      spdlog::error("btfgen: {}", printable(e.what()));
      exit_code = exit_status_for(e.code());
    }
  });
}

}  // namespace btfgen::cli
