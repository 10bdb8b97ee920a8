// A compiled BPF CO-RE object: its BTF and the CO-RE relocation records of its .BTF.ext.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/common/btf_handle.h"

namespace btfgen {

// One bpf_core_relo record (the leading 16 bytes of each record; larger records are allowed).
struct CoreRelo {
  uint32_t insn_off = 0;
  uint32_t type_id = 0;
  uint32_t access_str_off = 0;
  uint32_t kind = 0;
};

// The records of one program section, in file order.
struct CoreReloSection {
  std::string name;  // "(null)" when the section name offset is invalid, as bpftool prints it
  std::vector<CoreRelo> relos;
};

class BpfObject {
 public:
  // Parses PATH exactly as bpftool does (libbpf's btf__parse with .BTF.ext requested) and reads the
  // CO-RE relocation subsection. Throws btfgen::Error naming the file and what is wrong.
  static BpfObject load(const std::string& path);

  const std::string& path() const { return path_; }
  const struct btf* btf() const { return btf_.get(); }
  const std::vector<CoreReloSection>& sections() const { return sections_; }
  size_t relo_count() const;

 private:
  std::string path_;
  BtfPtr btf_;
  std::vector<CoreReloSection> sections_;
};

// Walks the raw bytes of a .BTF.ext section and returns its CO-RE relocation sections.
// Every read is bounds-checked; ORIGIN names the file in errors. Exposed for tests and fuzzing.
std::vector<CoreReloSection> read_core_relos(const uint8_t* data, size_t size,
                                             const struct btf* obj_btf, const std::string& origin);

}  // namespace btfgen
