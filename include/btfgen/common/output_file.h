// Output files: never a partial regular file, and never a device or link replaced by one.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace btfgen {

struct AtomicFileOptions {
  std::string_view temp_prefix = ".btfgen-tmp-";  // the temporary file: this and 6 random characters
  bool durable = true;                            // fsync before the rename (a cache entry need not be)
};

// A new file that replaces NAME in the directory DIR_FD on commit(): bytes go to a temporary file
// ".btfgen-tmp-XXXXXX" beside it (short, whatever NAME's length), fsync'ed, then renamed over NAME.
// A destructor never commits, so an error or an interrupt leaves the old file or nothing.
class AtomicFile {
 public:
  // DIR_FD must stay open until commit(); SHOWN names the destination in errors. Throws Error.
  AtomicFile(int dir_fd, std::string name, std::string shown, AtomicFileOptions options = {});
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const uint8_t> bytes);  // throws Error
  // Gives the new file the permission bits (and, when run as root, the owner) of OLD, the file it
  // replaces. Without it the mode is 0666 less the umask, as for any new file.
  void keep_attributes_of(const struct stat& old);
  void commit();  // fsync + rename; throws Error

 private:
  int dir_fd_;
  std::string name_;
  std::string shown_;
  std::string temp_name_;
  bool durable_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes BYTES to PATH where bpftool's fopen(PATH, "w") would put them, but atomically wherever a
// rename can do it. Rules, after following symbolic links to the final path:
//   - missing, or a regular file with one link: a temporary file beside it is renamed over it; an
//     existing file keeps its mode (and owner, as root);
//   - a character or block device, a FIFO, a regular file with several hard links, or a link that
//     lives in /proc (/dev/stdout, /dev/fd/N, /proc/self/fd/N): written through in place, as bpftool does,
//     since renaming would replace the device, detach the link or miss the reader;
//   - a directory: EISDIR. Errors name PATH and carry the errno bpftool would exit with.
void write_output_file(const std::string& path, std::span<const uint8_t> bytes);

// Throws the Error write_output_file would for PATH, before any work: a directory, a missing or
// unwritable parent (probed by creating and removing a temporary file beside it).
void check_output_file(const std::string& path);

}  // namespace btfgen
