#include "btfgen/common/error.h"

#include <cstring>

namespace btfgen {

std::string error_text(int code) {
  if (code == kLibelfError) return "libelf error";
  if (code == kElfFormatError) return "not a valid ELF file";
  return std::strerror(code);
}

}  // namespace btfgen
