// Subcommands of the btfgen CLI. Each registers itself on the app and runs through a callback.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace btfgen::cli {

// `btfgen min INPUT OUTPUT OBJECT...`: bpftool gen min_core_btf, same arguments and bytes.
void add_min_command(CLI::App& app, int& exit_code);

// `btfgen build`: a whole btfhub-archive into a tree of minimized BTFs.
void add_build_command(CLI::App& app, int& exit_code);

// `btfgen report`: which programs relocate cleanly on which kernels.
void add_report_command(CLI::App& app, int& exit_code);

// `btfgen pack TREE FILE`: a deterministic tarball or C table of a tree.
void add_pack_command(CLI::App& app, int& exit_code);

// `btfgen lookup`: which file of a tree or pack this host needs.
void add_lookup_command(CLI::App& app, int& exit_code);

// `btfgen cache stats|clean`: what the kernel cache holds, and emptying it.
void add_cache_command(CLI::App& app, int& exit_code);

// A size with an optional binary unit: "256M", "1G", "4096", "64k", "2GiB"; nullopt when malformed.
std::optional<uint64_t> parse_size(const std::string& text);
// --max-input-size: a size from 1 to kMaxInputSizeCeiling; nullopt with ERROR set otherwise.
std::optional<uint64_t> parse_max_input_size(const std::string& text, std::string& error);

// Exit status bpftool uses for an errno-style code (the negative code truncated to 8 bits).
int exit_status_for(int code);

}  // namespace btfgen::cli
