// The `--json` manifest of a build: one entry per kernel, so a pipeline can check what it got
// without walking the tree. Format documented in docs/build.md.
#include <sstream>

#include "btfgen/atomic_file.h"
#include "btfgen/build_manifest.h"

namespace btfgen {

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through
        }
    }
  }
  return out + "\"";
}

}  // namespace

void write_manifest(const std::string& path, const std::string& arch, const BuildResult& result) {
  std::ostringstream out;
  out << "{\n"
      << "  \"format\": \"btfgen-build-manifest\",\n"
      << "  \"version\": 1,\n"
      << "  \"arch\": " << json_string(arch) << ",\n"
      << "  \"hash\": \"sha256\",\n"
      << "  \"cancelled\": " << (result.cancelled ? "true" : "false") << ",\n"
      << "  \"summary\": {\"found\": " << result.found << ", \"written\": " << result.written
      << ", \"unchanged\": " << result.unchanged << ", \"failed\": " << result.failed
      << ", \"removed\": " << result.removed << ", \"output_bytes\": " << result.output_bytes << "},\n"
      << "  \"kernels\": [";
  bool first = true;
  for (const auto& k : result.kernels) {
    out << (first ? "\n" : ",\n") << "    {\"path\": " << json_string(k.output_relative)
        << ", \"status\": \"" << status_name(k.status) << "\""
        << ", \"cached\": " << (k.from_state ? "true" : "false");
    if (k.status == KernelStatus::Written || k.status == KernelStatus::Unchanged) {
      out << ", \"size\": " << k.output_size << ", \"sha256\": " << json_string(k.output_sha256)
          << ", \"error\": null";
    } else if (k.status == KernelStatus::Failed) {
      out << ", \"size\": null, \"sha256\": null, \"error\": " << json_string(k.error);
    } else {
      out << ", \"size\": null, \"sha256\": null, \"error\": null";
    }
    out << "}";
    first = false;
  }
  out << (first ? "]\n" : "\n  ]\n") << "}\n";
  const std::string text = out.str();
  write_file_atomically(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace btfgen
