// SHA-256 (FIPS 180-4), used by `build` for output content hashes and the object-set fingerprint.
// Chosen over a faster non-cryptographic hash so users can check a manifest entry with `sha256sum`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace btfgen {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  void update(const std::string& text);
  std::array<uint8_t, 32> finish();  // the object may not be updated afterwards
  std::string finish_hex();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::span<const uint8_t> bytes);

}  // namespace btfgen
