// The BPF objects of one run, loaded and parsed once and reused for every kernel (object_set.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/input/bpf_object.h"

namespace btfgen {

class ObjectSet {
 public:
  // Loads every object; throws the first one's Error that cannot be loaded.
  static ObjectSet load(const std::vector<std::string>& paths);
  // bpftool's order, for `min`: loads the objects up to the first that cannot be loaded, whose
  // Error minimize() throws after recording the ones before it (which may fail first, as in
  // bpftool, where object N's relocations are resolved before object N+1 is even parsed).
  static ObjectSet load_until_failure(const std::vector<std::string>& paths);
  explicit ObjectSet(std::vector<BpfObject> objects);

  const std::vector<BpfObject>& objects() const { return objects_; }
  // The load failure load_until_failure() stopped at, if any.
  const std::optional<Error>& pending_error() const { return pending_error_; }
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

}  // namespace btfgen
