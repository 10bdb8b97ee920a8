// Subcommands of the btfgen CLI. Each registers itself on the app and runs through a callback.
#pragma once

#include <CLI/CLI.hpp>

namespace btfgen::cli {

// `btfgen min INPUT OUTPUT OBJECT...`: bpftool gen min_core_btf, same arguments and bytes.
void add_min_command(CLI::App& app, int& exit_code);

// `btfgen build`: a whole btfhub-archive into a tree of minimized BTFs.
void add_build_command(CLI::App& app, int& exit_code);

// Exit status bpftool uses for an errno-style code (the negative code truncated to 8 bits).
int exit_status_for(int code);

}  // namespace btfgen::cli
