// Packs of a minimized-BTF tree (rules in include/btfgen/pack/pack.h).
//
// Determinism, where each source of variation is shut off:
//   - members: sorted by path; uid/gid 0, no user or group names, mode 0644, mtime 0;
//   - tar format: pax "restricted" (plain ustar headers unless a name needs a pax record, and then
//     only the name: no access or change times);
//   - gzip: no timestamp, no file name in its header; xz and zstd headers hold neither;
//   - compressed streams are not padded to a block size (padding a zstd stream makes it invalid).
#include "btfgen/pack/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "btfgen/common/error.h"
#include "btfgen/common/output_file.h"
#include "btfgen/input/kernel_btf.h"
#include "common/directory.h"
#include "common/fd.h"

namespace btfgen {

namespace {

struct ArchiveWriterDeleter {
  void operator()(struct archive* a) const noexcept { archive_write_free(a); }
};
using ArchiveWriterPtr = std::unique_ptr<struct archive, ArchiveWriterDeleter>;

std::vector<uint8_t> read_member(int dir_fd, const std::string& name, const std::string& shown) {
  Fd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat st{};
  if (!fd || fstat(fd.get(), &st) != 0) throw Error(errno, shown + ": cannot read: " + std::strerror(errno));
  if (static_cast<uint64_t>(st.st_size) > kDefaultMaxInputSize)
    throw Error(EFBIG, shown + ": " + std::to_string(st.st_size) + " bytes is not a minimized BTF");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0) throw Error(errno, shown + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

// Collects the *.btf regular files below DIR_FD (RELATIVE names it) into OUT, never through links.
void collect(int dir_fd, const std::string& relative, const std::string& tree, std::vector<PackMember>& out) {
  const std::string shown = relative.empty() ? tree : tree + "/" + relative;
  std::vector<std::string> names;
  for (std::string& name : directory_names(Fd(dup(dir_fd)), shown)) {
    if (name[0] != '.') names.push_back(std::move(name));  // hidden: temporary files, state
  }
  for (const std::string& name : names) {
    const std::string child = relative.empty() ? name : relative + "/" + name;
    struct stat st{};
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      throw Error(errno, tree + "/" + child + ": " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
      Fd sub(openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub) throw Error(errno, tree + "/" + child + ": cannot read directory: " + std::strerror(errno));
      collect(sub.get(), child, tree, out);
    } else if (S_ISREG(st.st_mode) && name.size() > 4 && name.ends_with(".btf")) {
      out.push_back({child, read_member(dir_fd, name, tree + "/" + child)});
    }
  }
}

la_ssize_t append_to_vector(struct archive*, void* data, const void* buf, size_t len) {
  auto* out = static_cast<std::vector<uint8_t>*>(data);
  const auto* p = static_cast<const uint8_t*>(buf);
  out->insert(out->end(), p, p + len);
  return static_cast<la_ssize_t>(len);
}

[[noreturn]] void archive_failure(struct archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  throw Error(EIO, "cannot write the pack: " + what + ": " + (msg != nullptr ? msg : "libarchive error"));
}

// A string as a C literal: printable ASCII as is, the rest as three-digit octal escapes (which,
// unlike \x, never swallow the characters that follow).
std::string c_string(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' would start a trigraph
      out += ch;
    } else {
      static constexpr char kOct[] = "01234567";
      out += '\\';
      out += kOct[c >> 6];
      out += kOct[(c >> 3) & 7];
      out += kOct[c & 7];
    }
  }
  return out + "\"";
}

bool is_c_identifier(const std::string& s) {
  if (s.empty() || (std::isdigit(static_cast<unsigned char>(s[0])) != 0)) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

// True when PATH already holds exactly BYTES (then it is left alone: same mtime, no rebuild).
bool holds(const std::string& path, const std::vector<uint8_t>& bytes) {
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  struct stat st{};
  if (!fd || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != bytes.size())
    return false;
  std::vector<uint8_t> have(bytes.size());
  return pread(fd.get(), have.data(), have.size(), 0) == static_cast<ssize_t>(have.size()) && have == bytes;
}

void write_if_changed(const std::string& path, const std::vector<uint8_t>& bytes) {
  if (!holds(path, bytes)) write_output_file(path, bytes);
}

std::vector<uint8_t> as_bytes(const std::string& text) { return {text.begin(), text.end()}; }

}  // namespace

std::vector<PackMember> read_tree(const std::string& tree) {
  Fd root(open(tree.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw Error(errno, tree + ": cannot read the tree: " + std::strerror(errno));
  std::vector<PackMember> members;
  collect(root.get(), "", tree, members);
  if (members.empty()) throw Error(ENOENT, tree + ": no .btf file in the tree: nothing to pack");
  std::sort(members.begin(), members.end(), [](const PackMember& a, const PackMember& b) { return a.path < b.path; });
  return members;
}

std::vector<PackMember> read_pack(const std::string& path) {
  std::unique_ptr<struct archive, decltype(&archive_read_free)> owner(archive_read_new(), archive_read_free);
  struct archive* a = owner.get();
  archive_read_support_filter_xz(a);
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_format_tar(a);
  auto corrupt = [&](const std::string& what) {
    const char* msg = archive_error_string(a);
    return Error(EINVAL, path + ": not a readable pack" + what + ": " + (msg != nullptr ? msg : "corrupt"));
  };
  if (archive_read_open_filename(a, path.c_str(), 1 << 16) != ARCHIVE_OK) {
    const int err = archive_errno(a) > 0 ? archive_errno(a) : EINVAL;
    throw Error(err,
                path + ": cannot open the pack: " + (archive_error_string(a) ? archive_error_string(a) : "unreadable"));
  }
  std::vector<PackMember> members;
  uint64_t total = 0;
  struct archive_entry* entry = nullptr;
  for (;;) {
    const int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) throw corrupt("");
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* name = archive_entry_pathname(entry);
    PackMember m{.path = name != nullptr ? name : ""};
    std::vector<uint8_t> chunk(1 << 16);
    for (;;) {
      const la_ssize_t n = archive_read_data(a, chunk.data(), chunk.size());
      if (n < 0) throw corrupt(" (member " + m.path + ")");
      if (n == 0) break;
      m.bytes.insert(m.bytes.end(), chunk.begin(), chunk.begin() + n);
      total += static_cast<uint64_t>(n);
      if (m.bytes.size() > kDefaultMaxInputSize || total > kMaxInputSizeCeiling)
        throw Error(EFBIG, path + ": pack member " + m.path + " is too large");
    }
    members.push_back(std::move(m));
  }
  return members;
}

std::optional<PackFormat> pack_format_for(const std::string& path) {
  const std::string_view p(path);
  if (p.ends_with(".tar")) return PackFormat::Tar;
  if (p.ends_with(".tar.gz") || p.ends_with(".tgz")) return PackFormat::TarGz;
  if (p.ends_with(".tar.xz")) return PackFormat::TarXz;
  if (p.ends_with(".tar.zst")) return PackFormat::TarZst;
  if (p.ends_with(".c")) return PackFormat::CSource;
  return std::nullopt;
}

std::vector<uint8_t> make_tarball(const std::vector<PackMember>& members, PackFormat format,
                                  const PackOptions& options) {
  ArchiveWriterPtr owner(archive_write_new());
  struct archive* a = owner.get();
  if (a == nullptr) throw Error(ENOMEM, "cannot write the pack: out of memory");
  int r = ARCHIVE_OK;
  switch (format) {
    case PackFormat::Tar:
      r = archive_write_add_filter_none(a);
      break;
    case PackFormat::TarGz:
      r = archive_write_add_filter_gzip(a);
      if (r == ARCHIVE_OK) r = archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);
      break;
    case PackFormat::TarXz:
      r = archive_write_add_filter_xz(a);
      break;
    case PackFormat::TarZst:
      r = archive_write_add_filter_zstd(a);
      break;
    case PackFormat::CSource:
      throw Error(EINVAL, "a C table is not a tarball");
  }
  if (r != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) archive_failure(a, "setup");
  if (format != PackFormat::Tar) archive_write_set_bytes_in_last_block(a, 1);
  std::vector<uint8_t> out;
  if (archive_write_open(a, &out, nullptr, append_to_vector, nullptr) != ARCHIVE_OK) archive_failure(a, "open");
  for (const PackMember& m : members) {
    std::unique_ptr<struct archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    const std::string name = options.prefix + m.path;
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(m.bytes.size()));
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_mtime(entry.get(), 0, 0);
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK) archive_failure(a, name);
    size_t done = 0;
    while (done < m.bytes.size()) {
      const la_ssize_t n = archive_write_data(a, m.bytes.data() + done, m.bytes.size() - done);
      if (n <= 0) archive_failure(a, name);
      done += static_cast<size_t>(n);
    }
  }
  if (archive_write_close(a) != ARCHIVE_OK) archive_failure(a, "close");
  return out;
}

CTable make_c_table(const std::vector<PackMember>& members, const PackOptions& options,
                    const std::string& header_name) {
  const std::string& sym = options.symbol;
  if (!is_c_identifier(sym)) throw Error(EINVAL, "'" + sym + "' is not a C identifier (--symbol)");
  // Each distinct file once, numbered in the order its first path comes.
  std::map<std::vector<uint8_t>, size_t> blob_of;
  std::vector<const std::vector<uint8_t>*> blobs;
  std::vector<size_t> entry_blob;
  for (const PackMember& m : members) {
    const auto [it, added] = blob_of.try_emplace(m.bytes, blobs.size());
    if (added) blobs.push_back(&it->first);
    entry_blob.push_back(it->second);
  }
  CTable t;
  std::string& c = t.source;
  c = "/* Generated by btfgen pack: " + std::to_string(members.size()) + " files, " + std::to_string(blobs.size()) +
      " distinct. Do not edit. */\n#include " + c_string(header_name) + "\n\n";
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t b = 0; b < blobs.size(); b++) {
    const std::vector<uint8_t>& bytes = *blobs[b];
    c += "static const unsigned char " + sym + "_blob_" + std::to_string(b) + "[" +
         std::to_string(std::max<size_t>(bytes.size(), 1)) + "] = {";
    for (size_t i = 0; i < bytes.size(); i++) {
      c += i % 16 == 0 ? "\n  " : " ";
      c += "0x";
      c += kHex[bytes[i] >> 4];
      c += kHex[bytes[i] & 15];
      c += ',';
    }
    c += bytes.empty() ? "0};\n" : "\n};\n";
  }
  c += "\nstatic const unsigned char *const " + sym + "_blobs[] = {";
  for (size_t b = 0; b < blobs.size(); b++) c += "\n  " + sym + "_blob_" + std::to_string(b) + ",";
  c += "\n};\nstatic const size_t " + sym + "_blob_sizes[] = {";
  for (const auto* bytes : blobs) c += "\n  " + std::to_string(bytes->size()) + ",";
  c += "\n};\nstatic const struct btfgen_table_entry " + sym + "_entries[] = {";
  for (size_t i = 0; i < members.size(); i++)
    c += "\n  {" + c_string(options.prefix + members[i].path) + ", " + std::to_string(entry_blob[i]) + "},";
  c += "\n};\n\nconst struct btfgen_table " + sym + " = {" + sym + "_entries, " + std::to_string(members.size()) +
       ", " + sym + "_blobs, " + sym + "_blob_sizes, " + std::to_string(blobs.size()) + "};\n";

  std::string guard = "BTFGEN_TABLE_" + sym + "_H";
  std::transform(guard.begin(), guard.end(), guard.begin(), [](unsigned char ch) { return std::toupper(ch); });
  t.header = "/* Generated by btfgen pack. Do not edit. */\n#ifndef " + guard + "\n#define " + guard +
             "\n\n#include <btfgen/runtime.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
             "/* " +
             std::to_string(members.size()) + " minimized BTFs, " + std::to_string(blobs.size()) +
             " distinct: pass { &" + sym + ", NULL } as a struct btfgen_source. */\nextern const struct btfgen_table " +
             sym + ";\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return t;
}

void write_pack(const std::string& path, const std::vector<PackMember>& members, const PackOptions& options) {
  const auto format = pack_format_for(path);
  if (!format) throw Error(EINVAL, path + ": unknown pack suffix; use one of " + std::string(kPackSuffixes));
  if (*format != PackFormat::CSource) {
    write_if_changed(path, make_tarball(members, *format, options));
    return;
  }
  const std::string header = path.substr(0, path.size() - 2) + ".h";
  const CTable t = make_c_table(members, options, header.substr(header.find_last_of('/') + 1));
  write_if_changed(header, as_bytes(t.header));
  write_if_changed(path, as_bytes(t.source));
}

}  // namespace btfgen
