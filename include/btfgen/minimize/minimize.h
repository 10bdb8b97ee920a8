// `bpftool gen min_core_btf`, as a library: record which target types and members the objects'
// CO-RE relocations touch, then emit a BTF holding only those.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "btfgen/input/bpf_object.h"
#include "btfgen/common/error.h"

struct btf;

namespace btfgen {

// The objects of one run, loaded and parsed once and reused for every kernel.
class ObjectSet {
 public:
  // Loads every object; throws the first one's Error that cannot be loaded.
  static ObjectSet load(const std::vector<std::string>& paths);
  // bpftool's order, for `min`: loads the objects up to the first that cannot be loaded, whose
  // Error minimize() throws after recording the ones before it (which may fail first, as in
  // bpftool, where object N's relocations are resolved before object N+1 is even parsed).
  static ObjectSet load_until_failure(const std::vector<std::string>& paths);
  explicit ObjectSet(std::vector<BpfObject> objects);

  // The load failure load_until_failure() stopped at, if any.
  const std::optional<Error>& pending_error() const { return pending_error_; }

  const std::vector<BpfObject>& objects() const { return objects_; }
  // Essential (flavor-stripped) names of every local type a relocation searches candidates for.
  // Views point into the objects' string sections.
  const std::unordered_set<std::string_view>& wanted_names() const { return wanted_names_; }
  // Bit k set when some relocation's local root has BTF kind k.
  uint32_t wanted_kinds() const { return wanted_kinds_; }

 private:
  std::vector<BpfObject> objects_;
  std::optional<Error> pending_error_;
  std::unordered_set<std::string_view> wanted_names_;
  uint32_t wanted_kinds_ = 0;
};

// Minimized BTF bytes for TARGET, byte-identical to bpftool 7.1.0's output.
// Throws btfgen::Error (with object, section, relocation and type context) where bpftool fails,
// and the objects' pending_error() after recording the objects loaded before it.
std::vector<uint8_t> minimize(const struct btf* target, const ObjectSet& objects);

// One relocation's decision, for tests that check a minimized BTF decides like the full one.
struct RelocationDecision {
  std::string section;
  uint32_t index = 0;      // index within its section
  uint32_t kind = 0;
  bool matched = false;    // at least one candidate matched
  bool poison = false;
  uint64_t value = 0;      // new value; for TYPE_ID_TARGET see target_name
  std::string target_name; // name of the chosen target root type (empty when none)
};

// The decisions libbpf's CO-RE engine would take for every relocation of OBJECT against TARGET,
// with the same per-object candidate narrowing as `minimize`.
std::vector<RelocationDecision> decide_relocations(const struct btf* target, const BpfObject& object);

}  // namespace btfgen
