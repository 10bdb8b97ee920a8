// `btfgen pack TREE FILE`: a deterministic tarball or C table of a minimized-BTF tree.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "btfgen/pack/pack.h"
#include "commands.h"

namespace btfgen::cli {

void add_pack_command(CLI::App& app, int& exit_code) {
  struct Args {
    std::string tree, file, prefix, symbol = "btfgen_embedded";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "pack", "Pack a tree of minimized BTFs into a deterministic tarball, or a C table to compile in");
  cmd->add_option("TREE", args->tree, "Tree made by btfgen build (only its *.btf files are taken)")->required();
  cmd->add_option("FILE", args->file,
                  "Pack to write; its suffix picks the format: .tar .tar.gz .tgz .tar.xz .tar.zst .c")
      ->required();
  cmd->add_option("--prefix", args->prefix, "Put this before every member name (./ for bcc's libbpf-tools)");
  cmd->add_option("--symbol", args->symbol, "Name of the struct btfgen_table a .c defines")->capture_default_str();
  cmd->footer(
      "The same tree gives the same bytes: members sorted, owner 0:0, mode 0644, mtime 0, no times or names\n"
      "in compression headers. A .c also writes its .h; each distinct file is stored once. A pack whose\n"
      "bytes would not change is not rewritten.\n\n"
      "Examples:\n"
      "  btfgen pack btfs btfs.tar.gz --prefix ./\n"
      "  btfgen pack btfs btfs.c --symbol app_btfs");
  cmd->callback([args, &exit_code] {
    try {
      if (!pack_format_for(args->file))
        throw Error(EINVAL, args->file + ": unknown pack suffix; use one of " + std::string(kPackSuffixes));
      write_pack(args->file, read_tree(args->tree), {.prefix = args->prefix, .symbol = args->symbol});
      exit_code = 0;
    } catch (const Error& e) {
      spdlog::error("btfgen pack: {}", printable(e.what()));
      exit_code = 2;
    }
  });
}

}  // namespace btfgen::cli
