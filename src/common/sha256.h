// SHA-256, from libcrypto (OpenSSL): content hashes of outputs and the objects' fingerprint.
// Chosen over a faster non-cryptographic hash so users can check a manifest entry with `sha256sum`.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace btfgen {

// Lowercase hex digest of BYTES, as sha256sum prints it.
std::string sha256_hex(std::span<const uint8_t> bytes);

// The 32-byte digest of BYTES.
std::array<uint8_t, 32> sha256_digest(std::span<const uint8_t> bytes);

// Lowercase hex of DIGEST.
std::string hex_text(std::span<const uint8_t> digest);

}  // namespace btfgen
