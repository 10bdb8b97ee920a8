// `btfgen min INPUT OUTPUT OBJECT...`: drop-in for `bpftool gen min_core_btf` (same argument
// order, same bytes, same failures), with one-line errors that say where and no partial output.
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "btfgen/atomic_file.h"
#include "btfgen/error.h"
#include "btfgen/kernel_btf.h"
#include "btfgen/minimize.h"
#include "commands.h"

namespace btfgen::cli {

int exit_status_for(int code) {
  // bpftool exits with the negative error code truncated to 8 bits (EINVAL -> 234).
  const int status = code > 0 ? (-code) & 0xff : 1;
  return status != 0 ? status : 1;
}

void add_min_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("min", "Minimize one kernel BTF for a set of BPF objects (like bpftool gen min_core_btf)");
  struct Args {
    std::string input, output;
    std::vector<std::string> objects;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("INPUT", args->input, "Kernel BTF: raw .btf, ELF with .BTF (vmlinux), or .btf.tar.xz")->required();
  cmd->add_option("OUTPUT", args->output, "Minimized BTF to write")->required();
  cmd->add_option("OBJECT", args->objects, "BPF CO-RE objects (.bpf.o)")->required()->expected(1, -1);
  cmd->footer("Example:\n  btfgen min /sys/kernel/btf/vmlinux min.btf trace.bpf.o other.bpf.o");
  cmd->callback([args, &exit_code] {
    try {
      BtfPtr target = load_kernel_btf(args->input);
      const ObjectSet objects = ObjectSet::load(args->objects);
      const std::vector<uint8_t> bytes = minimize(target.get(), objects);
      write_file_atomically(args->output, bytes);
      exit_code = 0;
    } catch (const Error& e) {
      spdlog::error("btfgen: {}", e.what());
      exit_code = exit_status_for(e.code());
    }
  });
}

}  // namespace btfgen::cli
