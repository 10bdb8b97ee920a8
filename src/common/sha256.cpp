#include "common/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace btfgen {

std::array<uint8_t, 32> sha256_digest(std::span<const uint8_t> bytes) {
  std::array<uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size())
    throw std::runtime_error("libcrypto: SHA-256 failed");  // only on allocation failure
  return digest;
}

std::string hex_text(std::span<const uint8_t> digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * digest.size());
  for (const uint8_t b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

std::string sha256_hex(std::span<const uint8_t> bytes) { return hex_text(sha256_digest(bytes)); }

}  // namespace btfgen
