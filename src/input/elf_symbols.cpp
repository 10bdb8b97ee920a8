#include "input/elf_symbols.h"

#include <gelf.h>

#include <algorithm>
#include <tuple>

#include "input/elf_handle.h"

namespace btfgen {

std::vector<FunctionSymbol> read_function_symbols(std::span<const uint8_t> bytes) {
  std::vector<FunctionSymbol> out;
  if (elf_version(EV_CURRENT) == EV_NONE || bytes.empty()) return out;
  // libelf only reads the image (ELF_C_READ_MMAP would not copy either); the cast is its API's.
  ElfPtr elf(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return out;
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf.get(), &shstrndx) != 0) return out;
  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn != nullptr; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    const size_t count = data->d_size / sh.sh_entsize;
    for (size_t i = 0; i < count; i++) {
      GElf_Sym sym;
      if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr || GELF_ST_TYPE(sym.st_info) != STT_FUNC) continue;
      if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE) continue;
      const char* name = elf_strptr(elf.get(), sh.sh_link, sym.st_name);
      Elf_Scn* home = elf_getscn(elf.get(), sym.st_shndx);
      GElf_Shdr home_sh;
      if (name == nullptr || home == nullptr || gelf_getshdr(home, &home_sh) == nullptr) continue;
      const char* section = elf_strptr(elf.get(), shstrndx, home_sh.sh_name);
      if (section == nullptr) continue;
      out.push_back({.section = section, .offset = sym.st_value, .size = sym.st_size, .name = name});
    }
  }
  std::sort(out.begin(), out.end(), [](const FunctionSymbol& a, const FunctionSymbol& b) {
    return std::tie(a.section, a.offset, a.name) < std::tie(b.section, b.offset, b.name);
  });
  return out;
}

}  // namespace btfgen
