#include "input/format.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

namespace btfgen {

InputFormat sniff_format(std::span<const uint8_t> head) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    return head.size() >= magic.size() && std::equal(magic.begin(), magic.end(), head.begin());
  };
  if (starts({0x9f, 0xeb}) || starts({0xeb, 0x9f})) return InputFormat::RawBtf;
  if (starts({0x7f, 'E', 'L', 'F'})) return InputFormat::Elf;
  if (starts({0xfd, '7', 'z', 'X', 'Z', 0x00}) || starts({0x1f, 0x8b}) || starts({0x28, 0xb5, 0x2f, 0xfd}) ||
      starts({'B', 'Z', 'h'}))
    return InputFormat::Archive;
  if (head.size() >= 262 && std::memcmp(head.data() + 257, "ustar", 5) == 0) return InputFormat::Archive;
  return InputFormat::Unknown;
}

}  // namespace btfgen
