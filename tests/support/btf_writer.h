// Building small BTFs and target specs in engine unit tests (relo/, minimize/), with libbpf's
// public writer API: one helper set, so that each test file's tables stay about their rules.
#pragma once

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>

#include "btfgen/common/btf_handle.h"
#include "btfgen/relo/relo_kind.h"
#include "relo/core_spec.h"

namespace btfgen::test {

using Id = uint32_t;

// A BTF being written. Named types are found again by name (the last one added wins), others by a
// label given to them.
class BtfWriter {
 public:
  struct btf* get() const { return btf_.get(); }

  // Records the id libbpf's writer returned for NAME (failing the test when it refused the type).
  Id add(const char* name, int id) {
    if (id <= 0) ADD_FAILURE() << "libbpf refused type " << (name != nullptr ? name : "(anonymous)") << ": " << id;
    if (name != nullptr && name[0] != '\0') labels_[name] = static_cast<Id>(id);
    return static_cast<Id>(id);
  }
  // Checks a member, enumerator or parameter was accepted.
  void ok(int err) { EXPECT_EQ(err, 0) << "libbpf refused a member, enumerator or parameter"; }
  Id label(const std::string& label, Id id) { return labels_[label] = id; }
  Id id(const std::string& label) const {
    const auto it = labels_.find(label);
    if (it == labels_.end()) ADD_FAILURE() << "no type labelled " << label;
    return it == labels_.end() ? 0 : it->second;
  }

 private:
  BtfPtr btf_{btf__new_empty()};
  std::map<std::string, Id> labels_;
};

// Checks a type was added at the id a table expects (tables that number their types by hand).
inline void expect_at(int got, Id want) { EXPECT_EQ(got, static_cast<int>(want)) << "type added at an unexpected id"; }

inline void add_member(struct btf* b, const char* name, Id type, uint32_t bit_off, uint32_t bits = 0) {
  EXPECT_EQ(btf__add_field(b, name, static_cast<int>(type), bit_off, bits), 0) << name;
}

// A matched candidate's spec for field kind KIND: raw = [0, member index, ...], as the engine
// builds it (spec §8.3, §10.3).
inline Spec field_spec(Id root, std::initializer_list<int32_t> raw, uint32_t kind = kFieldByteOffset) {
  Spec s;
  s.root_type_id = root;
  s.kind = kind;
  for (int32_t r : raw) s.raw[s.raw_len++] = r;
  return s;
}

// A matched candidate's spec for a type or enumval kind.
inline Spec type_spec(uint32_t kind, Id root) {
  Spec s;
  s.root_type_id = root;
  s.kind = kind;
  s.raw[s.raw_len++] = 0;
  return s;
}

}  // namespace btfgen::test
