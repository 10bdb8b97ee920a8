// Reading the CO-RE relocation subsection of a .BTF.ext section (btf_ext_reader.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "btfgen/input/bpf_object.h"

struct btf;

namespace btfgen {

// Walks the raw bytes of a .BTF.ext section and returns its CO-RE relocation sections, in file
// order. Every read is bounds-checked; section names come from OBJ_BTF; ORIGIN names the file in
// errors. Throws btfgen::Error (EINVAL) naming the byte offset of what is wrong.
std::vector<CoreReloSection> read_core_relos(const uint8_t* data, size_t size, const struct btf* obj_btf,
                                             const std::string& origin);

}  // namespace btfgen
