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
  // Reads PATH once and parses it exactly as bpftool does (libbpf's btf__parse semantics with
  // .BTF.ext requested, input/btf_image.h), then reads the CO-RE relocation subsection. A FIFO is
  // refused before a blocking open. Throws btfgen::Error naming the file and what is wrong.
  static BpfObject load(const std::string& path);

  const std::string& path() const { return path_; }
  const struct btf* btf() const { return btf_.get(); }
  const std::vector<CoreReloSection>& sections() const { return sections_; }
  size_t relo_count() const;
  // SHA-256 (hex) and size of the bytes that were parsed: the object's identity for the build state.
  const std::string& sha256() const { return sha256_; }
  uint64_t size() const { return size_; }
  // The function (BPF program or subprogram) whose code holds the instruction at byte INSN_OFF of
  // SECTION, from the ELF symbol table; SECTION itself when no function symbol covers it.
  std::string program_at(const std::string& section, uint32_t insn_off) const;

 private:
  struct Function {
    std::string section, name;
    uint64_t offset = 0, size = 0;
  };
  std::string path_;
  BtfPtr btf_;
  std::vector<CoreReloSection> sections_;
  std::string sha256_;
  uint64_t size_ = 0;
  std::vector<Function> functions_;  // sorted by (section, offset)
};

}  // namespace btfgen
