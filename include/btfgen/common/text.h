// Text that came from the file system: names are bytes, not always UTF-8 and not always printable.
#pragma once

#include <string>
#include <string_view>

namespace btfgen {

// True when TEXT is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// TEXT made safe for a terminal: control characters (ESC included), DEL and bytes that are not
// part of valid UTF-8 become \xHH, and a backslash becomes \\. Printable UTF-8 passes through.
std::string printable(std::string_view text);

// Standard base64 (RFC 4648, with padding): for names JSON cannot carry as they are.
std::string base64(std::string_view bytes);

}  // namespace btfgen
