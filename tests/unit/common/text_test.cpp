// Text from the file system (common/text.cpp): the UTF-8 validator that decides whether a name can
// go into JSON as it is, printable() that makes any name safe for a terminal (no escape sequence of
// a hostile file name reaches the user's terminal), and base64 for the names JSON cannot carry.
// Exact strings everywhere: a stub that returns its input, or "", fails every case.
#include "btfgen/common/text.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace btfgen {
namespace {

using namespace std::string_literals;  // "..."s keeps embedded NULs

TEST(Utf8, AcceptsWellFormedText) {
  const std::vector<std::string> valid = {
      ""s,
      "plain ascii 5.4.0-1.el8.x86_64.btf"s,
      "a\0b"s,                      // NUL is U+0000, well-formed
      "\x7f"s,                      // DEL is ASCII
      "\xc3\xa9"s,                  // é
      "\xe6\x97\xa5\xe6\x9c\xac"s,  // 日本
      "\xf0\x9f\x98\x80"s,          // U+1F600, a 4-byte emoji
      "\xc2\x80"s,                  // U+0080, smallest 2-byte
      "\xdf\xbf"s,                  // U+07FF, largest 2-byte
      "\xe0\xa0\x80"s,              // U+0800, smallest 3-byte
      "\xed\x9f\xbf"s,              // U+D7FF, just below the surrogates
      "\xee\x80\x80"s,              // U+E000, just above them
      "\xef\xbf\xbf"s,              // U+FFFF
      "\xf0\x90\x80\x80"s,          // U+10000, smallest 4-byte
      "\xf4\x8f\xbf\xbf"s,          // U+10FFFF, the last code point
  };
  for (const auto& s : valid) EXPECT_TRUE(is_valid_utf8(s)) << printable(s);
}

TEST(Utf8, RefusesOverlongsSurrogatesOutOfRangeAndTruncation) {
  const std::vector<std::pair<std::string, const char*>> invalid = {
      {"\xc0\x80"s, "overlong NUL"},
      {"\xc0\xaf"s, "overlong '/'"},
      {"\xc1\xbf"s, "overlong U+007F"},
      {"\xe0\x80\x80"s, "overlong 3-byte NUL"},
      {"\xe0\x9f\xbf"s, "overlong U+07FF"},
      {"\xf0\x80\x80\x80"s, "overlong 4-byte NUL"},
      {"\xf0\x8f\xbf\xbf"s, "overlong U+FFFF"},
      {"\xed\xa0\x80"s, "surrogate U+D800"},
      {"\xed\xbf\xbf"s, "surrogate U+DFFF"},
      {"\xf4\x90\x80\x80"s, "U+110000"},
      {"\xf7\xbf\xbf\xbf"s, "U+1FFFFF"},
      {"\xf8\x88\x80\x80\x80"s, "5-byte form"},
      {"\xfc\x84\x80\x80\x80\x80"s, "6-byte form"},
      {"\xfe"s, "byte 0xfe"},
      {"\xff"s, "byte 0xff"},
      {"\x80"s, "lone continuation byte"},
      {"\xbf"s, "lone continuation byte"},
      {"\xc3"s, "2-byte sequence cut after 1"},
      {"\xe6\x97"s, "3-byte sequence cut after 2"},
      {"\xf0\x9f\x98"s, "4-byte sequence cut after 3"},
      {"abc\xe6"s, "valid text then a cut sequence"},
      {"\xc3\x28"s, "continuation replaced by ASCII"},
      {"\xe6\x97\x28"s, "last continuation replaced by ASCII"},
      {"ok\xc3\xa9\xff"s, "valid text then 0xff"},
  };
  for (const auto& [s, why] : invalid) EXPECT_FALSE(is_valid_utf8(s)) << why << ": " << printable(s);
}

TEST(Printable, EscapesControlCharacters) {
  EXPECT_EQ(printable("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");  // ESC: colour codes never reach the terminal
  EXPECT_EQ(printable("bell\a"), "bell\\x07");
  EXPECT_EQ(printable("a\rb"), "a\\x0db");
  EXPECT_EQ(printable("a\nb"), "a\\x0ab");
  EXPECT_EQ(printable("a\tb"), "a\\x09b");
  EXPECT_EQ(printable("a\x7f"), "a\\x7f");  // DEL
  EXPECT_EQ(printable("\x01\x1f"), "\\x01\\x1f");
  EXPECT_EQ(printable("a\0b"s), "a\\x00b");
}

TEST(Printable, EscapesC1ControlsByteByByte) {
  // U+0080..U+009F are valid UTF-8 but terminals act on them (U+009B is CSI): both bytes escaped.
  EXPECT_EQ(printable("\xc2\x80"), "\\xc2\\x80");
  EXPECT_EQ(printable("\xc2\x9b"
                      "2J"),
            "\\xc2\\x9b2J");
  EXPECT_EQ(printable("\xc2\x9f"), "\\xc2\\x9f");
  EXPECT_EQ(printable("\xc2\xa0"), "\xc2\xa0");  // U+00A0 (no-break space) is the first that passes
  EXPECT_EQ(printable("\xc2\xa9"), "\xc2\xa9");  // ©
}

TEST(Printable, EscapesInvalidBytesInLowercaseHex) {
  EXPECT_EQ(printable("\xff"), "\\xff");
  EXPECT_EQ(printable("k\xfe\xab.btf"), "k\\xfe\\xab.btf");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // overlong
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(printable("\xe6\x97"), "\\xe6\\x97");           // truncated
  EXPECT_EQ(printable("\xe6\x97x"), "\\xe6\\x97x");         // broken by ASCII: the ASCII survives
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

TEST(Printable, DoublesBackslashesSoEscapesAreUnambiguous) {
  EXPECT_EQ(printable("a\\b"), "a\\\\b");
  EXPECT_EQ(printable("\\x41"), "\\\\x41");  // a literal "\x41" in a name cannot pass for byte 0x41
  EXPECT_EQ(printable("\\"), "\\\\");
}

TEST(Printable, PassesValidPrintableUtf8Through) {
  EXPECT_EQ(printable(""), "");
  EXPECT_EQ(printable("ubuntu/20.04/x86_64/5.4.0-1.btf"), "ubuntu/20.04/x86_64/5.4.0-1.btf");
  EXPECT_EQ(printable("with space ~!"), "with space ~!");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");                            // café
  EXPECT_EQ(printable("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac");  // 日本
  EXPECT_EQ(printable("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");                  // emoji
  EXPECT_EQ(printable("\xc3\xa9\x1b\xc3\xa9"), "\xc3\xa9\\x1b\xc3\xa9");         // mixed
}

TEST(Base64, Rfc4648TestVectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(Base64, HighBytesAndTheLastTwoLetters) {
  EXPECT_EQ(base64("\xff\xfe"), "//4=");
  EXPECT_EQ(base64("\xff\xff\xff"), "////");
  EXPECT_EQ(base64("\xfb\xef\xbe"), "++++");  // 62 four times: '+' is letter 62, '/' letter 63
  EXPECT_EQ(base64("\0"s), "AA==");
  EXPECT_EQ(base64("\0\0\0"s), "AAAA");
  EXPECT_EQ(base64("k\xff.btf"), "a/8uYnRm");
}

}  // namespace
}  // namespace btfgen
