#include "btfgen/common/text.h"

#include <cstdint>

namespace btfgen {

namespace {

// Length of the well-formed UTF-8 sequence at TEXT[I] (1 for ASCII), or 0 when it is not one.
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto c = static_cast<uint8_t>(text[i]);
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (text.size() - i < len) return 0;
  for (size_t k = 1; k < len; k++) {
    const auto cc = static_cast<uint8_t>(text[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

// U+0080..U+009F: C1 controls, which terminals act on like ESC sequences.
bool is_c1_control(std::string_view text, size_t i) {
  return static_cast<uint8_t>(text[i]) == 0xc2 && static_cast<uint8_t>(text[i + 1]) < 0xa0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = utf8_sequence_length(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<uint8_t>(text[i]);
    const size_t len = utf8_sequence_length(text, i);
    if (c == '\\') {
      out += "\\\\";
      i++;
    } else if (len == 0 || c < 0x20 || c == 0x7f || (len == 2 && is_c1_control(text, i))) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      i++;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace btfgen
