// Sizes on the command line: "256M", "1G", "4096", "64k".
#include <cctype>
#include <cstdint>

#include "btfgen/input/kernel_btf.h"
#include "commands.h"

namespace btfgen::cli {

// "256M", "1G", "4096", "64k": binary units, K/M/G, case-insensitive, an optional "iB"/"B".
std::optional<uint64_t> parse_size(const std::string& text) {
  size_t end = 0;
  uint64_t value = 0;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
    if (value > (UINT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(text[end++] - '0');
  }
  if (end == 0) return std::nullopt;
  std::string unit = text.substr(end);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.ends_with("ib"))
    unit.resize(unit.size() - 2);
  else if (unit.size() > 1 && unit.ends_with("b"))
    unit.pop_back();
  unsigned shift = 0;
  if (unit == "k")
    shift = 10;
  else if (unit == "m")
    shift = 20;
  else if (unit == "g")
    shift = 30;
  else if (!unit.empty() && unit != "b")
    return std::nullopt;
  if (value > (UINT64_MAX >> shift)) return std::nullopt;
  return value << shift;
}

std::optional<uint64_t> parse_max_input_size(const std::string& text, std::string& error) {
  const auto size = parse_size(text);
  if (!size || *size == 0 || *size > kMaxInputSizeCeiling) {
    error = "--max-input-size '" + text + "': expected a size from 1 to 4G-1 (e.g. 256M, 1G)";
    return std::nullopt;
  }
  return size;
}

}  // namespace btfgen::cli
