// Packs of a minimized-BTF tree: deterministic tarballs and C tables to embed (pack.cpp).
//
//   output tree ──read_tree──▶ members (every regular *.btf, sorted by path)
//     ──make_pack──▶ .tar / .tar.gz / .tar.xz / .tar.zst bytes, or a C source + header
//
// The same members give the same bytes whatever the jobs, umask, directory order or run: members
// are sorted, owned by 0:0, mode 0644, mtime 0, with no names or times in compression headers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace btfgen {

struct PackMember {
  std::string path;  // relative to the tree: <distro>/<ver>/<arch>/<kernel>.btf
  std::vector<uint8_t> bytes;
};

// Every regular file named *.btf under TREE, sorted by path. Hidden entries (temporary files,
// state) and symbolic links are never taken. Throws Error naming TREE when it cannot be read, or
// holds no .btf file at all (ENOENT).
std::vector<PackMember> read_tree(const std::string& tree);

// The regular members of the pack at PATH (a tar, plain or xz/gzip/zstd/bzip2-compressed), in
// archive order, names as stored. Every member and the whole stream are capped as kernel inputs
// are. Throws Error naming PATH: EINVAL for a truncated or corrupt pack.
std::vector<PackMember> read_pack(const std::string& path);

enum class PackFormat { Tar, TarGz, TarXz, TarZst, CSource };

// The format a path's suffix asks for; nullopt when the suffix is none of kPackSuffixes.
std::optional<PackFormat> pack_format_for(const std::string& path);
inline constexpr const char* kPackSuffixes = ".tar, .tar.gz, .tgz, .tar.xz, .tar.zst, .c";

struct PackOptions {
  std::string prefix;                      // put before every member name ("./" for bcc's spelling)
  std::string symbol = "btfgen_embedded";  // the C table's name (CSource)
};

// The bytes of a tarball of MEMBERS (not CSource).
std::vector<uint8_t> make_tarball(const std::vector<PackMember>& members, PackFormat format,
                                  const PackOptions& options);

// A C source holding each distinct member once and a sorted index from path to blob, as the
// runtime library's struct btfgen_table (include/btfgen/runtime.h), and the header declaring it.
// HEADER_NAME is how the source includes the header.
struct CTable {
  std::string source;
  std::string header;
};
CTable make_c_table(const std::vector<PackMember>& members, const PackOptions& options, const std::string& header_name);

// Writes the pack of MEMBERS to PATH in the format its suffix names, atomically; a .c also writes
// its header beside it (PATH with .h). A file whose bytes would not change is not rewritten, so
// a build system sees no change. Throws Error (unknown suffix: EINVAL, listing kPackSuffixes).
void write_pack(const std::string& path, const std::vector<PackMember>& members, const PackOptions& options);

}  // namespace btfgen
