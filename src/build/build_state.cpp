// The incremental state of `build`: one TSV file per arch family in the output directory.
//
// A kernel may be skipped (no decompression, no write) only when everything its output depends on
// is as it was: the object set (fingerprint), the input file (size + mtime in ns) and the output file
// itself (size + mtime in ns, so a user's edit or deletion is noticed). Anything else rebuilds it;
// a rebuilt output whose bytes did not change is still not rewritten (the runner compares bytes).
//
//   # btfgen build state 2
//   debian/12/x86_64/6.1.0-13-amd64.btf <TAB> <fingerprint> <TAB> 5423180 <TAB> 1700000000123456789
//       <TAB> ok <TAB> 10696 <TAB> 1700000001123456789 <TAB> <sha256 of the output>
//   centos/8/aarch64/4.18.0.btf <TAB> <fingerprint> <TAB> 2400000 <TAB> 1700000000123456789
//       <TAB> failed <TAB> <error, one line>
//
// Text fields escape '\\', TAB, LF and CR as \\ \t \n \r (version 1 files had no escapes and are
// still read). Failed kernels are remembered too: the same inputs give the same failure, reported
// again without decompressing the kernel again.
#include "btfgen/build/build_state.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>

#include "btfgen/build/archive_walker.h"
#include "btfgen/build/output_tree.h"
#include "btfgen/common/error.h"
#include "btfgen/common/output_file.h"
#include "common/fd.h"

namespace btfgen {

namespace {

constexpr std::string_view kHeaderV1 = "# btfgen build state 1";
constexpr std::string_view kHeader = "# btfgen build state 2";
constexpr size_t kMaxStateBytes = size_t{256} << 20;  // ~1M kernels; beyond that it is not ours

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t at = text.find(sep, start);
    fields.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return fields;
    start = at + 1;
  }
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    switch (text[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

// The whole state file, or nullopt when there is none. Refuses anything but a regular file, and
// never blocks: a FIFO planted at the state path is refused, not opened for a writer to come.
std::optional<std::string> read_state_text(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    const int err = errno == ELOOP ? EINVAL : errno;
    throw Error(err, path + ": state file " + (errno == ELOOP ? "is a symbolic link" : std::strerror(errno)) +
                         "; btfgen keeps its state in a regular file (remove it to start afresh)");
  }
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) throw Error(errno, path + ": cannot read state file: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw Error(EINVAL, path +
                            ": state file is not a regular file; btfgen keeps its state in a regular file "
                            "(remove it to start afresh)");
  if (static_cast<uint64_t>(st.st_size) > kMaxStateBytes) return std::string();  // not ours: start afresh
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = pread(fd.get(), text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0) throw Error(errno, path + ": cannot read state file: " + std::strerror(errno));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

}  // namespace

std::string state_file_path(const std::string& output_dir, const std::string& arch) {
  std::filesystem::path out = std::filesystem::absolute(output_dir).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();  // "btfs/" → "btfs"
  if (out == out.root_path())
    throw Error(EINVAL, output_dir + ": no place beside the output directory for the build state; use --state FILE");
  return out.string() + ".btfgen-state-" + arch_aliases(arch).front() + ".tsv";
}

std::string legacy_state_file_path(const std::string& output_dir, const std::string& arch) {
  return output_dir + "/.btfgen-state-" + arch_aliases(arch).front() + ".tsv";
}

StateRead read_state(const std::string& path, const std::vector<std::string>& arch_dirs) {
  StateRead read;
  const auto text = read_state_text(path);
  if (!text) return read;
  const auto lines = split(*text, '\n');
  if (lines.empty() || (lines[0] != kHeader && lines[0] != kHeaderV1)) return read;
  const bool escaped = lines[0] == kHeader;
  auto field = [&](std::string_view f) { return escaped ? unescape(f) : std::optional<std::string>(f); };
  for (size_t i = 1; i < lines.size(); i++) {
    const auto f = split(lines[i], '\t');
    if (f.size() < 6) continue;  // a line we do not understand is a kernel we rebuild
    KernelRecord e;
    const auto relative = field(f[0]);
    if (!relative) continue;
    if (!is_output_relative(*relative, arch_dirs)) {
      read.warnings.push_back(path + ": line " + std::to_string(i + 1) + " dropped: '" + *relative +
                              "' cannot be an output of this build");
      continue;
    }
    e.output_relative = *relative;
    e.fingerprint = std::string(f[1]);
    if (!parse_number(f[2], e.input_size) || !parse_number(f[3], e.input_mtime_ns)) continue;
    if (f[4] == "ok" && f.size() == 8) {
      if (!parse_number(f[5], e.output_size) || !parse_number(f[6], e.output_mtime_ns)) continue;
      e.output_sha256 = std::string(f[7]);
    } else if (f[4] == "failed" && f.size() == 6) {
      const auto error = field(f[5]);
      if (!error) continue;
      e.status = KernelStatus::Failed;
      e.error = *error;
    } else {
      continue;
    }
    read.entries[e.output_relative] = std::move(e);
  }
  return read;
}

void write_state(const std::string& path, const BuildState& entries) {
  std::string text(kHeader);
  text += '\n';
  for (const auto& [relative, e] : entries) {
    text += escape(relative) + '\t' + e.fingerprint + '\t' + std::to_string(e.input_size) + '\t' +
            std::to_string(e.input_mtime_ns) + '\t';
    if (!e.has_output()) {
      text += "failed\t" + escape(e.error) + '\n';
    } else {
      text += "ok\t" + std::to_string(e.output_size) + '\t' + std::to_string(e.output_mtime_ns) + '\t' +
              e.output_sha256 + '\n';
    }
  }
  try {
    if (read_state_text(path) == text) return;  // nothing to rewrite
  } catch (const Error&) {                      // NOLINT(bugprone-empty-catch): the write below says what is wrong
  }
  write_output_file(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace btfgen
