// The `--json` manifest of a build: one entry per kernel, so a pipeline can check what it got
// without walking the tree. Format documented in docs/build.md.
//
// Kernel names are file names, which are bytes: a name that is not UTF-8 is written with U+FFFD in
// "path" (so the document stays valid JSON) and exactly, as base64, in "path_base64".
#include "btfgen/build/build_manifest.h"

#include <nlohmann/json.hpp>

#include "btfgen/common/output_file.h"
#include "btfgen/common/text.h"

namespace btfgen {

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A flat object on one line, spaced like the rest of the document: {"a": 1, "b": "x"}.
std::string one_line(const Json& object) {
  std::string text = "{";
  for (const auto& [key, value] : object.items()) {
    text += (text.size() > 1 ? ", " : "") + dump(key) + ": " + dump(value);
  }
  return text + "}";
}

Json entry(const KernelRecord& k) {
  Json e;
  e["path"] = k.output_relative;
  if (!is_valid_utf8(k.output_relative)) e["path_base64"] = base64(k.output_relative);
  e["status"] = status_name(k.status);
  e["cached"] = k.from_state;
  e["size"] = k.has_output() ? Json(k.output_size) : Json();
  e["sha256"] = k.has_output() ? Json(k.output_sha256) : Json();
  e["error"] = k.status == KernelStatus::Failed ? Json(k.error) : Json();
  return e;
}

}  // namespace

void write_manifest(const std::string& path, const std::string& arch, const BuildResult& result) {
  Json summary;
  summary["found"] = result.found;
  summary["written"] = result.written;
  summary["unchanged"] = result.unchanged;
  summary["failed"] = result.failed;
  summary["removed"] = result.removed;
  summary["output_bytes"] = result.output_bytes;
  // One kernel per line: easy to grep and to diff between runs.
  std::string text = "{\n  \"format\": \"btfgen-build-manifest\",\n  \"version\": 1,\n  \"arch\": " + dump(arch) +
                     ",\n  \"hash\": \"sha256\",\n  \"cancelled\": " + (result.cancelled ? "true" : "false") +
                     ",\n  \"summary\": " + one_line(summary) + ",\n  \"kernels\": [";
  bool first = true;
  for (const auto& k : result.kernels) {
    text += (first ? "\n    " : ",\n    ") + one_line(entry(k));
    first = false;
  }
  text += first ? "]\n}\n" : "\n  ]\n}\n";
  write_output_file(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace btfgen
