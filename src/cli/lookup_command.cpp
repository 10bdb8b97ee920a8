// `btfgen lookup`: the file of a tree or pack this host (or the one described) needs, by the same
// rules as the runtime library a program embeds (include/btfgen/runtime.h), because it calls it.
#include <spdlog/spdlog.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/common/text.h"
#include "btfgen/pack/pack.h"
#include "btfgen/runtime.h"
#include "commands.h"

namespace btfgen::cli {

namespace {

struct LookupArgs {
  std::string archive, pack, os_release, release, machine;
  bool verbose = false;
};

constexpr int kExitFound = 0;
constexpr int kExitNoMatch = 1;  // nothing for this host, or ambiguous
constexpr int kExitBadInput = 2;

void copy(char* dst, size_t size, const std::string& src) {
  std::strncpy(dst, src.c_str(), size - 1);
  dst[size - 1] = '\0';
}

int run(const LookupArgs& args) {
  std::vector<PackMember> members;
  try {
    members = args.archive.empty() ? read_pack(args.pack) : read_tree(args.archive);
  } catch (const Error& e) {
    spdlog::error("btfgen lookup: {}", printable(e.what()));
    return kExitBadInput;
  }
  btfgen_host host{};
  if (const int err = btfgen_host_detect(&host, args.os_release.empty() ? nullptr : args.os_release.c_str());
      err != 0) {
    spdlog::error("btfgen lookup: cannot describe this host: {}", std::strerror(-err));
    return kExitBadInput;
  }
  if (!args.release.empty()) copy(host.release, sizeof(host.release), args.release);
  if (!args.machine.empty()) copy(host.machine, sizeof(host.machine), args.machine);

  std::vector<btfgen_file> files;
  files.reserve(members.size());
  for (const auto& m : members) files.push_back({m.path.c_str(), m.bytes.data(), m.bytes.size()});
  btfgen_match match{};
  const int rc = btfgen_lookup(files.data(), files.size(), &host, &match);
  if (rc != 0) {
    spdlog::error("btfgen lookup: {}", printable(match.why));
    return kExitNoMatch;
  }
  if (args.verbose) spdlog::info("{}", printable(match.why));
  std::fwrite(match.file->path, 1, std::strlen(match.file->path), stdout);
  std::fputc('\n', stdout);
  return kExitFound;
}

}  // namespace

void add_lookup_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LookupArgs>();
  auto* cmd = app.add_subcommand("lookup", "Print which file of a tree or pack this host (or the one described) needs");
  auto* archive = cmd->add_option("--archive", args->archive, "A tree made by btfgen build");
  auto* pack = cmd->add_option("--pack", args->pack, "A pack made by btfgen pack (.tar, .tar.gz, .tar.xz, .tar.zst)");
  archive->excludes(pack);
  cmd->add_option("--os-release", args->os_release, "os-release file (default /etc/os-release; missing: ID unknown)");
  cmd->add_option("--release", args->release, "Kernel release (default: uname -r)");
  cmd->add_option("--machine", args->machine, "Machine (default: uname -m): x86_64, aarch64, ...");
  cmd->add_flag("-v,--verbose", args->verbose, "Say which rule decided, and why");
  cmd->footer(
      "Rules: a) ID and VERSION_ID match <distro>/<version>; b) VERSION_ID up to its first dot (8.6 -> 8);\n"
      "c) ID, any version; d) any file for this release. Arch directories of the machine's family count\n"
      "(x86_64|x86|amd64, arm64|aarch64). Same bytes at the deciding rule: the first in path order.\n"
      "Exit status: 0 found (its path on stdout), 1 no file for this host or ambiguous, 2 bad tree or pack.");
  cmd->callback([args, &exit_code, archive, pack] {
    if (archive->count() + pack->count() != 1) {
      spdlog::error("btfgen lookup: give --archive TREE or --pack FILE");
      exit_code = kExitBadInput;
      return;
    }
    exit_code = run(*args);
  });
}

}  // namespace btfgen::cli
