#include "btfgen/minimize/object_set.h"

#include "common/btf_util.h"

namespace btfgen {

ObjectSet ObjectSet::load(const std::vector<std::string>& paths) {
  std::vector<BpfObject> objects;
  objects.reserve(paths.size());
  for (const std::string& p : paths) objects.push_back(BpfObject::load(p));
  return ObjectSet(std::move(objects));
}

ObjectSet ObjectSet::load_until_failure(const std::vector<std::string>& paths) {
  std::vector<BpfObject> objects;
  std::optional<Error> failure;
  for (const std::string& p : paths) {
    try {
      objects.push_back(BpfObject::load(p));
    } catch (const Error& e) {
      failure = e;
      break;
    }
  }
  ObjectSet set(std::move(objects));
  set.pending_error_ = std::move(failure);
  return set;
}

ObjectSet::ObjectSet(std::vector<BpfObject> objects) : objects_(std::move(objects)) {
  for (const BpfObject& obj : objects_) {
    for (const CoreReloSection& sec : obj.sections()) {
      for (const CoreRelo& relo : sec.relos) {
        const struct btf_type* t = type_at(obj.btf(), relo.type_id);
        if (t == nullptr) continue;
        const char* name = name_at(obj.btf(), t->name_off);
        if (str_empty(name)) continue;
        wanted_names_.insert(essential_name(name));
        wanted_kinds_ |= 1u << btf_kind(t);
      }
    }
  }
}

}  // namespace btfgen
