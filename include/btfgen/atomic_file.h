// Atomic output files: bytes go to a temporary file beside the destination, which is renamed over
// the destination only on commit(). A destructor never commits, so an error or an interrupt leaves
// either the old file or nothing, never a partial one.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace btfgen {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // creates "<dir>/.<name>.tmp.XXXXXX"; throws Error
  ~AtomicFile();                           // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const uint8_t> bytes);  // throws Error
  void commit();                                // fsync + rename; throws Error

  const std::string& temp_path() const { return temp_path_; }

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes BYTES to PATH atomically (AtomicFile + commit).
void write_file_atomically(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace btfgen
