// The one owner of a libelf handle in the input stage.
#pragma once

#include <libelf.h>

#include <memory>

namespace btfgen {

struct ElfDeleter {
  void operator()(Elf* e) const noexcept { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfDeleter>;

}  // namespace btfgen
