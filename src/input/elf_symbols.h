// The function symbols of a BPF object: which program (function) holds a relocated instruction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace btfgen {

struct FunctionSymbol {
  std::string section;  // the ELF section holding the function (a program's SEC(), or .text)
  uint64_t offset = 0;  // byte offset of the function in its section
  uint64_t size = 0;
  std::string name;
};

// Every STT_FUNC symbol of the ELF image BYTES, sorted by (section, offset). An image libelf cannot
// read, or one without a symbol table, gives none: the names are a convenience for reports, never
// a reason to refuse an object bpftool accepts.
std::vector<FunctionSymbol> read_function_symbols(std::span<const uint8_t> bytes);

}  // namespace btfgen
