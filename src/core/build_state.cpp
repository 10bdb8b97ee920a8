// The incremental state of `build`: one TSV file per arch family in the output directory.
//
// A kernel may be skipped (no decompression, no write) only when everything its output depends on
// is as it was: the object set (fingerprint), the input file (size + mtime in ns) and the output file
// itself (size + mtime in ns, so a user's edit or deletion is noticed). Anything else rebuilds it;
// a rebuilt output whose bytes did not change is still not rewritten (the runner compares bytes).
//
//   # btfgen build state 1
//   debian/12/x86_64/6.1.0-13-amd64.btf <TAB> <fingerprint> <TAB> 5423180 <TAB> 1700000000123456789
//       <TAB> ok <TAB> 10696 <TAB> 1700000001123456789 <TAB> <sha256 of the output>
//   centos/8/aarch64/4.18.0.btf <TAB> <fingerprint> <TAB> 2400000 <TAB> 1700000000123456789
//       <TAB> failed <TAB> <error, one line>
//
// Failed kernels are remembered too: the same inputs give the same failure, reported again without
// decompressing the kernel again.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "btfgen/atomic_file.h"
#include "btfgen/archive_walker.h"
#include "btfgen/build_state.h"
#include "btfgen/error.h"
#include "sha256.h"

namespace btfgen {

namespace {

constexpr std::string_view kHeader = "# btfgen build state 1";

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

std::string object_set_fingerprint(const std::vector<std::string>& object_paths) {
  Sha256 h;
  h.update(std::string("btfgen ") + BTFGEN_VERSION + "\n");
  std::vector<uint8_t> buf(1 << 16);
  for (const auto& path : object_paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ENOENT, path + ": cannot open object file");
    uint64_t size = 0;
    Sha256 file_hash;  // per-object hash, so object boundaries are part of the fingerprint
    while (in) {
      in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
      const auto n = static_cast<size_t>(in.gcount());
      file_hash.update(std::span<const uint8_t>(buf.data(), n));
      size += n;
    }
    if (in.bad()) throw Error(EIO, path + ": cannot read object file");
    h.update(file_hash.finish_hex() + " " + std::to_string(size) + "\n");
  }
  return h.finish_hex();
}

std::string state_file_path(const std::string& output_dir, const std::string& arch) {
  return output_dir + "/.btfgen-state-" + arch_aliases(arch).front() + ".tsv";
}

std::vector<StateEntry> read_state(const std::string& path) {
  std::ifstream in(path);
  std::vector<StateEntry> entries;
  std::string line;
  if (!in || !std::getline(in, line) || line != kHeader) return entries;
  while (std::getline(in, line)) {
    const auto f = split_tabs(line);
    StateEntry e;
    if (f.size() < 6) continue;
    e.output_relative = std::string(f[0]);
    e.fingerprint = std::string(f[1]);
    if (!parse_number(f[2], e.input_size) || !parse_number(f[3], e.input_mtime_ns)) continue;
    if (f[4] == "ok" && f.size() == 8) {
      if (!parse_number(f[5], e.output_size) || !parse_number(f[6], e.output_mtime_ns)) continue;
      e.output_sha256 = std::string(f[7]);
    } else if (f[4] == "failed" && f.size() == 6) {
      e.failed = true;
      e.error = std::string(f[5]);
    } else {
      continue;  // a line we do not understand is a kernel we rebuild
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

void write_state(const std::string& path, std::vector<StateEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const StateEntry& a, const StateEntry& b) { return a.output_relative < b.output_relative; });
  std::ostringstream out;
  out << kHeader << '\n';
  for (const auto& e : entries) {
    if (e.output_relative.find_first_of("\t\n\r") != std::string::npos) continue;  // not representable
    out << e.output_relative << '\t' << e.fingerprint << '\t' << e.input_size << '\t' << e.input_mtime_ns
        << '\t';
    if (e.failed) {
      out << "failed\t" << one_line(e.error) << '\n';
    } else {
      out << "ok\t" << e.output_size << '\t' << e.output_mtime_ns << '\t' << e.output_sha256 << '\n';
    }
  }
  const std::string text = out.str();
  {
    std::ifstream old(path, std::ios::binary);
    std::ostringstream old_text;
    if (old && (old_text << old.rdbuf()) && old_text.str() == text) return;  // nothing to rewrite
  }
  write_file_atomically(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace btfgen
